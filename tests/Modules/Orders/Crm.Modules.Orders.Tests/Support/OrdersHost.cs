using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Contracts;
using Crm.Modules.Orders.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Orders.Tests.Support;

/// <summary>
/// The real host with rates for EUR and JPY, and a subscriber that records the order events the module publishes,
/// delivered by the real dispatcher from the real outbox.
/// </summary>
public abstract class OrdersHostFixture : HostFixture
{
    internal OrderEventLog Events => Factory.Services.GetRequiredService<OrderEventLog>();

    internal IDocumentStore Store => Factory.Services.GetRequiredService<IDocumentStore>();

    protected override CrmHostFactory CreateFactory() =>
        new CrmHostFactory()
            .WithSetting("Orders:BaseCurrency", "USD")
            .WithSetting("Orders:ExchangeRates:EUR", "1.08")
            .WithSetting("Orders:ExchangeRates:JPY", "0.0067")
            .WithTestServices(services => services
                .AddSingleton<OrderEventLog>()
                .AddIntegrationEventHandler<OrderPlacedIntegrationEvent, RecordOrderPlaced>()
                .AddIntegrationEventHandler<OrderStatusChangedIntegrationEvent, RecordOrderStatusChanged>());

    protected static Uri Url(string path) => new(path, UriKind.Relative);

    protected static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    protected static string UniqueEmail() => $"{Guid.NewGuid():N}@example.com";

    protected Task<HttpResponseMessage> PostOrderAsync(object body) => Client.PostAsJsonAsync(Url("/api/v1/orders"), body);

    /// <summary>Places a valid order and returns its JSON.</summary>
    protected async Task<JsonElement> PlaceAsync(
        string? email = null,
        string? customerId = null,
        decimal amount = 10m,
        string currency = "USD",
        string? externalOrderId = null,
        DateTimeOffset? orderedAt = null,
        string? source = null)
    {
        using var response = await PostOrderAsync(new
        {
            source,
            externalOrderId = externalOrderId ?? Unique("ext"),
            customerEmail = email,
            customerId,
            amount,
            currency,
            orderedAt,
            items = new[] { new { sku = "SKU-1", name = "Mug", quantity = 1, unitPrice = amount } },
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(201), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// Tells the host that a customer exists, the way the Customers module does (a CustomerCreated event through the
    /// outbox), and waits until the Orders module has taken it in.
    /// </summary>
    internal async Task<string> KnownCustomerAsync(string email, string? id = null)
    {
        id ??= DocumentId.New();
        await using (var session = Store.OpenSession())
        {
            session.Publish(new CustomerCreatedIntegrationEvent(new CustomerSnapshot { Id = id, Email = email, Version = 1 }));
            await session.SaveChangesAsync();
        }

        await Eventually.ThatAsync(async () =>
        {
            await using var session = Store.OpenSession();
            return await session.LoadAsync<OrderCustomer>(id) is not null;
        }, "the Orders module learns of the customer");
        return id;
    }

    internal async Task PublishAsync(IIntegrationEvent integrationEvent)
    {
        await using var session = Store.OpenSession();
        session.Publish(integrationEvent);
        await session.SaveChangesAsync();
    }

    internal async Task<Order?> LoadOrderAsync(string id)
    {
        await using var session = Store.OpenSession();
        return await session.LoadAsync<Order>(id);
    }
}

/// <summary>Order events as subscribers receive them.</summary>
internal sealed class OrderEventLog
{
    public ConcurrentQueue<OrderPlacedIntegrationEvent> Placed { get; } = new();

    public ConcurrentQueue<OrderStatusChangedIntegrationEvent> StatusChanged { get; } = new();

    public int PlacedFor(string orderId) => Placed.Count(e => e.Order.OrderId == orderId);

    public int PlacedWithExternalId(string externalOrderId) => Placed.Count(e => e.Order.ExternalOrderId == externalOrderId);

    public int StatusChangesFor(string orderId) => StatusChanged.Count(e => e.Order.OrderId == orderId);
}

internal sealed class RecordOrderPlaced(OrderEventLog log) : IIntegrationEventHandler<OrderPlacedIntegrationEvent>
{
    public Task HandleAsync(OrderPlacedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        log.Placed.Enqueue(integrationEvent);
        return Task.CompletedTask;
    }
}

internal sealed class RecordOrderStatusChanged(OrderEventLog log) : IIntegrationEventHandler<OrderStatusChangedIntegrationEvent>
{
    public Task HandleAsync(OrderStatusChangedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        log.StatusChanged.Enqueue(integrationEvent);
        return Task.CompletedTask;
    }
}
