using System.Collections.Concurrent;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers.Tests.Support;

/// <summary>Customer events as another module receives them: through the host's outbox dispatcher.</summary>
internal sealed class PublishedCustomerEvents
{
    public ConcurrentQueue<CustomerCreatedIntegrationEvent> Created { get; } = new();

    public ConcurrentQueue<CustomerUpdatedIntegrationEvent> Updated { get; } = new();

    public static CrmHostFactory Subscribe(CrmHostFactory factory, PublishedCustomerEvents events) =>
        factory.WithTestServices(services => services
            .AddSingleton(events)
            .AddIntegrationEventHandler<CustomerCreatedIntegrationEvent, CreatedIntegrationEventHandler>()
            .AddIntegrationEventHandler<CustomerUpdatedIntegrationEvent, UpdatedIntegrationEventHandler>());

    /// <summary>Waits until <paramref name="holds"/> is true of the events received, or fails after 30 s.</summary>
    public async Task WaitUntilAsync(Func<PublishedCustomerEvents, bool> holds, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!holds(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}: {Created.Count} created, {Updated.Count} updated events received.");
            }

            await Task.Delay(50);
        }
    }

    private sealed class CreatedIntegrationEventHandler(PublishedCustomerEvents events) : IIntegrationEventHandler<CustomerCreatedIntegrationEvent>
    {
        public Task HandleAsync(CustomerCreatedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
        {
            events.Created.Enqueue(integrationEvent);
            return Task.CompletedTask;
        }
    }

    private sealed class UpdatedIntegrationEventHandler(PublishedCustomerEvents events) : IIntegrationEventHandler<CustomerUpdatedIntegrationEvent>
    {
        public Task HandleAsync(CustomerUpdatedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
        {
            events.Updated.Enqueue(integrationEvent);
            return Task.CompletedTask;
        }
    }
}

/// <summary>Reads customers straight from the store, as the module stored them.</summary>
internal static class StoredCustomers
{
    public static async Task<Customer?> ByEmailAsync(CrmHostFactory factory, string email)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        return await session.Query<Customer>().Where(c => c.Email == email).FirstOrDefaultAsync();
    }

    public static async Task<long> CountAsync(CrmHostFactory factory)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        return await session.Query<Customer>().CountAsync();
    }

    public static async Task StoreAsync(CrmHostFactory factory, Customer customer)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        session.Store(customer);
        await session.SaveChangesAsync();
    }
}
