using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests;

public sealed class IntegrationEventTests
{
    [Test]
    public async Task An_event_published_in_a_commit_reaches_its_subscriber_through_the_hosts_dispatcher()
    {
        var received = new ReceivedEvents();
        await using var factory = new CrmHostFactory().WithTestServices(services => services
            .AddSingleton(received)
            .AddIntegrationEventHandler<ProbePublishedIntegrationEvent, ProbePublishedIntegrationEventHandler>());
        using var client = factory.CreateClient();
        var published = new ProbePublishedIntegrationEvent("p-1") { OccurredAt = TimeProvider.System.GetUtcNow() };

        await using (var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession())
        {
            session.Publish(published);
            await session.SaveChangesAsync();
        }

        var delivered = await received.First.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(delivered.EventId, Is.EqualTo(published.EventId));
    }

    private sealed class ReceivedEvents
    {
        public TaskCompletionSource<ProbePublishedIntegrationEvent> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record ProbePublishedIntegrationEvent(string ProbeId) : IntegrationEvent
    {
        public override string AggregateId => ProbeId;
    }

    private sealed class ProbePublishedIntegrationEventHandler(ReceivedEvents received) : IIntegrationEventHandler<ProbePublishedIntegrationEvent>
    {
        public Task HandleAsync(ProbePublishedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
        {
            received.First.TrySetResult(integrationEvent);
            return Task.CompletedTask;
        }
    }
}
