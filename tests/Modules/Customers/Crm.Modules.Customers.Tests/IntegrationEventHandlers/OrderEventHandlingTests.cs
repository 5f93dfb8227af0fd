using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Domain;
using Crm.Modules.Customers.Tests.Support;
using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers.Tests.IntegrationEventHandlers;

/// <summary>
/// Orders events published into the real outbox of the real host (SQLite), delivered by its dispatcher to the
/// Customers handlers; the tests read the stored customer.
/// </summary>
public sealed class OrderEventHandlingTests : HostFixture
{
    private static readonly DateTimeOffset Monday = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    private readonly PublishedEvents<CustomerCreatedIntegrationEvent> _created = new();
    private readonly PublishedEvents<CustomerUpdatedIntegrationEvent> _updated = new();

    [Test]
    public async Task Placed_and_paid_orders_add_their_base_amounts_exactly_and_keep_the_latest_order_time()
    {
        var id = await CreateCustomerAsync();

        await PublishAsync(
            Placed(Order(id, 0.10m, OrderStatus.Placed, Monday.AddDays(2))),
            Placed(Order(id, 0.10m, OrderStatus.Paid, Monday)),
            Placed(Order(id, 0.10m, OrderStatus.Placed, Monday.AddDays(1))));

        var customer = await WaitForAsync(id, c => c.Behaviour.OrderCount == 3);
        Assert.That(customer.Behaviour.TotalSpent, Is.EqualTo(0.30m));
        Assert.That(customer.Behaviour.LastOrderAt, Is.EqualTo(Monday.AddDays(2)));
    }

    [Test]
    public async Task An_order_placed_already_refunded_or_cancelled_does_not_count()
    {
        var id = await CreateCustomerAsync();

        await PublishAsync(
            Placed(Order(id, 50m, OrderStatus.Refunded, Monday)),
            Placed(Order(id, 60m, OrderStatus.Cancelled, Monday)),
            Placed(Order(id, 1m, OrderStatus.Placed, Monday)));

        var customer = await WaitForAsync(id, c => c.Behaviour.OrderCount >= 1);
        Assert.That(customer.Behaviour.OrderCount, Is.EqualTo(1));
        Assert.That(customer.Behaviour.TotalSpent, Is.EqualTo(1m));
    }

    [TestCase(OrderStatus.Paid, OrderStatus.Refunded)]
    [TestCase(OrderStatus.Placed, OrderStatus.Cancelled)]
    [TestCase(OrderStatus.Placed, OrderStatus.Refunded)]
    [TestCase(OrderStatus.Paid, OrderStatus.Cancelled)]
    public async Task A_counted_order_that_is_refunded_or_cancelled_is_taken_out_but_last_order_time_stays(OrderStatus from, OrderStatus to)
    {
        var id = await CreateCustomerAsync();
        var kept = Order(id, 20.25m, OrderStatus.Placed, Monday);
        var undone = Order(id, 99.99m, from, Monday.AddDays(5));

        await PublishAsync(Placed(kept), Placed(undone), Changed(undone, to, from));

        var customer = await WaitForAsync(id, c => c.Behaviour.TotalSpent == 20.25m && c.Version >= 4);
        Assert.That(customer.Behaviour.OrderCount, Is.EqualTo(1));
        Assert.That(customer.Behaviour.LastOrderAt, Is.EqualTo(Monday.AddDays(5)));
    }

    [TestCase(OrderStatus.Placed, OrderStatus.Paid)]
    [TestCase(OrderStatus.Refunded, OrderStatus.Cancelled)]
    [TestCase(OrderStatus.Cancelled, OrderStatus.Refunded)]
    [TestCase(OrderStatus.Refunded, OrderStatus.Paid)]
    public async Task Any_other_status_change_leaves_the_totals_alone(OrderStatus from, OrderStatus to)
    {
        var id = await CreateCustomerAsync();
        var order = Order(id, 10m, from, Monday);
        var sentinel = Order(id, 1m, OrderStatus.Placed, Monday);

        await PublishAsync(Placed(order), Changed(order, to, from), Placed(sentinel));

        var expectedCount = OrderCounts(from) ? 2 : 1;
        var customer = await WaitForAsync(id, c => c.Behaviour.OrderCount == expectedCount && c.Behaviour.TotalSpent == (OrderCounts(from) ? 11m : 1m));
        Assert.That(customer.Behaviour.OrderCount, Is.EqualTo(expectedCount));
    }

    [Test]
    public async Task A_redelivered_event_changes_nothing()
    {
        var id = await CreateCustomerAsync();
        var placed = Placed(Order(id, 30m, OrderStatus.Placed, Monday));
        var refund = Order(id, 5m, OrderStatus.Paid, Monday);
        var refunded = Changed(refund, OrderStatus.Refunded, OrderStatus.Paid);

        // The same events (same ids) committed again, as a publisher that retried after a lost answer would.
        await PublishAsync(placed, Placed(refund), refunded);
        await PublishAsync(placed, refunded);
        await PublishAsync(Placed(Order(id, 1m, OrderStatus.Placed, Monday)));

        var customer = await WaitForAsync(id, c => c.Behaviour.OrderCount == 2 && c.Behaviour.TotalSpent == 31m);
        Assert.That(customer.Behaviour.TotalSpent, Is.EqualTo(31m));
    }

    [Test]
    public async Task An_order_naming_only_a_known_email_counts_for_that_customer()
    {
        var email = CustomerRequests.NewEmail();
        var id = await CreateCustomerAsync(email);

        await PublishAsync(Placed(Order(customerId: null, 12m, OrderStatus.Placed, Monday, email.ToUpperInvariant())));

        var customer = await WaitForAsync(id, c => c.Behaviour.OrderCount == 1);
        Assert.That(customer.Behaviour.TotalSpent, Is.EqualTo(12m));
    }

    [Test]
    public async Task An_order_for_an_unknown_email_creates_a_minimal_customer_holding_the_order()
    {
        var email = CustomerRequests.NewEmail("shopper");

        await PublishAsync(Placed(Order(customerId: null, 42.5m, OrderStatus.Paid, Monday, email)));

        var created = await _created.WaitForAsync(e => e.Customer.Email == email);
        Assert.That(created.Customer.Behaviour.TotalSpent, Is.EqualTo(42.5m));
        Assert.That(created.Customer.Behaviour.OrderCount, Is.EqualTo(1));
        Assert.That(created.Customer.Name, Is.Null);
        var customer = await WaitForAsync(created.Customer.Id, _ => true);
        Assert.That(customer.Source, Is.EqualTo("order"));
        Assert.That(customer.Version, Is.EqualTo(created.Customer.Version));
    }

    [Test]
    public async Task Each_change_publishes_customer_updated_naming_behaviour_with_the_new_totals()
    {
        var id = await CreateCustomerAsync();

        await PublishAsync(Placed(Order(id, 7m, OrderStatus.Placed, Monday)));

        var updated = await _updated.WaitForAsync(e => e.Customer.Id == id);
        Assert.That(updated.ChangedFields, Is.EqualTo(new[] { "behaviour" }));
        Assert.That(updated.Customer.Behaviour.TotalSpent, Is.EqualTo(7m));
        Assert.That(updated.Customer.Version, Is.EqualTo(2));
    }

    [Test]
    public async Task Orders_delivered_while_visits_are_posted_in_parallel_lose_neither_orders_nor_visits()
    {
        const int count = 20;
        var id = await CreateCustomerAsync();

        var visits = Enumerable.Range(0, count).Select(_ => Client.PostAsync($"{CustomerRequests.Path}/{id}/visits", null)).ToList();
        for (var i = 0; i < count; i++)
        {
            await PublishAsync(Placed(Order(id, 1.01m, OrderStatus.Placed, Monday.AddMinutes(i))));
        }

        foreach (var response in await Task.WhenAll(visits))
        {
            Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK));
            response.Dispose();
        }

        var customer = await WaitForAsync(id, c => c.Behaviour.OrderCount == count, TimeSpan.FromSeconds(90));
        Assert.That(customer.Behaviour.TotalSpent, Is.EqualTo(20.20m));
        Assert.That(customer.Behaviour.VisitCount, Is.EqualTo(count));
        Assert.That(customer.Behaviour.LastOrderAt, Is.EqualTo(Monday.AddMinutes(count - 1)));
    }

    protected override CrmHostFactory CreateFactory() =>
        PublishedEvents<CustomerUpdatedIntegrationEvent>.Subscribe(
            PublishedEvents<CustomerCreatedIntegrationEvent>.Subscribe(new CrmHostFactory(), _created),
            _updated);

    private static bool OrderCounts(OrderStatus status) => status is OrderStatus.Placed or OrderStatus.Paid;

    private static OrderSnapshot Order(string? customerId, decimal amount, OrderStatus status, DateTimeOffset orderedAt, string? email = null) => new()
    {
        OrderId = Guid.NewGuid().ToString("N"),
        Source = "shop",
        ExternalOrderId = Guid.NewGuid().ToString("N"),
        CustomerId = customerId,
        CustomerEmail = email?.ToLowerInvariant(),
        Amount = amount,
        Currency = "EUR",
        BaseAmount = amount,
        Status = status,
        ItemCount = 1,
        OrderedAt = orderedAt,
        CustomerKey = customerId ?? email!.ToLowerInvariant(),
    };

    private static OrderPlacedIntegrationEvent Placed(OrderSnapshot order) => new(order) { OccurredAt = order.OrderedAt };

    private static OrderStatusChangedIntegrationEvent Changed(OrderSnapshot order, OrderStatus to, OrderStatus from) =>
        new(order with { Status = to }, from) { OccurredAt = order.OrderedAt };

    private async Task<string> CreateCustomerAsync(string? email = null) =>
        (await Client.CreateAsync(email)).GetProperty("id").GetString()!;

    private async Task PublishAsync(params IIntegrationEvent[] events)
    {
        await using var session = Factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        foreach (var integrationEvent in events)
        {
            session.Publish(integrationEvent);
        }

        await session.SaveChangesAsync();
    }

    private async Task<Customer> WaitForAsync(string id, Func<Customer, bool> condition, TimeSpan? within = null)
    {
        var store = Factory.Services.GetRequiredService<IDocumentStore>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        Customer? customer = null;
        while (DateTime.UtcNow < deadline)
        {
            await using (var session = store.OpenSession())
            {
                customer = await session.LoadAsync<Customer>(id);
            }

            if (customer is not null && condition(customer))
            {
                return customer;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"Customer {id} did not reach the expected state in time; last seen: orders {customer?.Behaviour.OrderCount}, total {customer?.Behaviour.TotalSpent}.");
        return null!;
    }
}
