using System.Collections.Concurrent;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers.Tests.Support;

/// <summary>
/// Events of one type as a subscriber in another module receives them: through the host's outbox and dispatcher,
/// so a test sees only what was committed.
/// </summary>
internal sealed class PublishedEvents<TEvent>
    where TEvent : IIntegrationEvent
{
    private readonly ConcurrentQueue<TEvent> _received = new();

    public IReadOnlyCollection<TEvent> Received => _received;

    public static CrmHostFactory Subscribe(CrmHostFactory factory, PublishedEvents<TEvent> events) =>
        factory.WithTestServices(services => services
            .AddSingleton(events)
            .AddIntegrationEventHandler<TEvent, Handler>());

    /// <summary>The first event that satisfies <paramref name="match"/>, waiting for the dispatcher up to 30 s.</summary>
    public async Task<TEvent> WaitForAsync(Func<TEvent, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_received.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"No {typeof(TEvent).Name} matching the condition arrived within 30 s ({_received.Count} others did).");
            }

            await Task.Delay(20);
        }
    }

    private sealed class Handler(PublishedEvents<TEvent> events) : IIntegrationEventHandler<TEvent>
    {
        public Task HandleAsync(TEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
        {
            events._received.Enqueue(integrationEvent);
            return Task.CompletedTask;
        }
    }
}
