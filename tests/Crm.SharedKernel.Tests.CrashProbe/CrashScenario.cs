using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.SharedKernel.Tests.CrashProbe;

/// <summary>An order as the probe writes it: the state change committed with its events.</summary>
public sealed class ProbeOrder : IDocument
{
    public string Id { get; set; } = "";

    public long Version { get; set; }

    public int Lines { get; set; }
}

public sealed record ProbeOrderLineAddedIntegrationEvent(string OrderId, int Line) : IntegrationEvent
{
    public override string AggregateId => OrderId;
}

/// <summary>What the probe commits before it dies, shared with the test that checks every event arrives.</summary>
public static class CrashScenario
{
    public const string OrdersCollection = "probe.orders";

    public const int Orders = 3;

    public const int CommitsPerOrder = 4;

    public const int EventsPerCommit = 2;

    public static IServiceCollection AddCrashScenario(this IServiceCollection services) =>
        services
            .AddDocumentCollection<ProbeOrder>(OrdersCollection)
            .AddIntegrationEvent<ProbeOrderLineAddedIntegrationEvent>();

    /// <summary>
    /// Commits the scenario: orders interleaved, each commit adding lines to one order with an event per line.
    /// Reports each committed event as <c>orderId line eventId</c> once its commit returned.
    /// </summary>
    public static async Task CommitAsync(IDocumentStore store, TimeProvider time, Action<string> committed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(committed);
        for (var commit = 0; commit < CommitsPerOrder; commit++)
        {
            for (var order = 0; order < Orders; order++)
            {
                var orderId = $"order-{order}";
                var session = store.OpenSession();
                await using (session.ConfigureAwait(false))
                {
                    var stored = await session.LoadAsync<ProbeOrder>(orderId, cancellationToken).ConfigureAwait(false)
                        ?? new ProbeOrder { Id = orderId };
                    var events = new List<ProbeOrderLineAddedIntegrationEvent>();
                    for (var i = 0; i < EventsPerCommit; i++)
                    {
                        stored.Lines++;
                        var added = new ProbeOrderLineAddedIntegrationEvent(orderId, stored.Lines) { OccurredAt = time.GetUtcNow() };
                        session.Publish(added);
                        events.Add(added);
                    }

                    session.Store(stored);
                    await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    foreach (var added in events)
                    {
                        committed($"{added.OrderId} {added.Line} {added.EventId:N}");
                    }
                }
            }
        }
    }
}
