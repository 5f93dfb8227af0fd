using Crm.SharedKernel.Documents;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>
/// A delivery that did not succeed at the first try, as operators see it (never the event's payload).
/// <see cref="NextAttemptAt"/> is null while it waits behind an earlier delivery of the same aggregate.
/// </summary>
public sealed record EventDeliveryState(
    string Id,
    string Handler,
    Guid EventId,
    string EventType,
    string AggregateId,
    long Sequence,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    bool Parked,
    string? LastError);

/// <summary>What operators can see and do about integration-event deliveries that failed.</summary>
public interface IDeliveryMonitor
{
    /// <summary>Deliveries given up after their last attempt, oldest event first, with their last error.</summary>
    Task<IReadOnlyList<EventDeliveryState>> ParkedAsync(int max = 100, CancellationToken cancellationToken = default);

    /// <summary>Deliveries waiting for their next attempt or queued behind one, oldest event first.</summary>
    Task<IReadOnlyList<EventDeliveryState>> PendingAsync(int max = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Schedules a parked delivery for another round of attempts, now. It then holds its handler's later events of
    /// the same aggregate that are still pending until it succeeds or parks again. False when no parked delivery has
    /// that id.
    /// </summary>
    Task<bool> RetryParkedAsync(string id, CancellationToken cancellationToken = default);
}

internal sealed class DeliveryMonitor(IDocumentStore store, OutboxSignal signal, TimeProvider time) : IDeliveryMonitor
{
    public Task<IReadOnlyList<EventDeliveryState>> ParkedAsync(int max = 100, CancellationToken cancellationToken = default) =>
        ListAsync(DeliveryStatus.Parked, max, cancellationToken);

    public Task<IReadOnlyList<EventDeliveryState>> PendingAsync(int max = 100, CancellationToken cancellationToken = default) =>
        ListAsync(DeliveryStatus.Pending, max, cancellationToken);

    public async Task<bool> RetryParkedAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var record = await session.LoadAsync<DeliveryRecord>(id, cancellationToken).ConfigureAwait(false);
            if (record is not { Status: DeliveryStatus.Parked })
            {
                return false;
            }

            record.Status = DeliveryStatus.Pending;
            record.Attempts = 0;
            record.NextAttemptAt = time.GetUtcNow();
            session.Store(record);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        signal.Pulse();
        return true;
    }

    private async Task<IReadOnlyList<EventDeliveryState>> ListAsync(string status, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var records = await session.Query<DeliveryRecord>()
                .Where(DeliveryPredicates.WithStatus(status))
                .OrderBy(d => d.Sequence)
                .Take(max)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            return [.. records.Select(r => new EventDeliveryState(
                r.Id,
                r.Handler,
                Guid.ParseExact(r.EventId, "N"),
                r.EventType,
                r.AggregateId,
                r.Sequence,
                r.Attempts,
                r.NextAttemptAt == DeliveryRecord.WaitingBehind ? null : r.NextAttemptAt,
                r.Status == DeliveryStatus.Parked,
                r.LastError))];
        }
    }
}
