using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>
/// The deliveries that did not succeed at the first try (<c>crm.deliveries</c>): failures waiting for their next
/// attempt, deliveries queued behind them, and parked ones. Only the dispatcher writes pending records; an operator
/// turns a parked record back into a pending one through <see cref="IDeliveryMonitor"/>.
/// </summary>
internal sealed partial class DeliveryLedger(
    IDocumentStore store,
    IOptions<OutboxDispatcherOptions> options,
    DispatcherTelemetry telemetry,
    TimeProvider time,
    ILogger<DeliveryLedger> logger)
{
    private readonly OutboxDispatcherOptions _options = options.Value;

    /// <summary>The pending deliveries of <paramref name="aggregateIds"/>: their queues are blocked for the events that follow.</summary>
    public async Task<IReadOnlyList<DeliveryRecord>> PendingForAggregatesAsync(
        IReadOnlyCollection<string> aggregateIds,
        CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            return await session.Query<DeliveryRecord>()
                .Where(DeliveryPredicates.PendingFor(aggregateIds))
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The fronts of the queues that are due, oldest event first. Deliveries waiting behind a front are never due
    /// themselves, so a long queue does not hide other queues' fronts.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryRecord>> DueFrontsAsync(CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            return await session.Query<DeliveryRecord>()
                .Where(DeliveryPredicates.DueBy(time.GetUtcNow()))
                .OrderBy(d => d.Sequence)
                .Take(_options.BatchSize)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The pending deliveries of one queue, front first: up to a batch, plus the one after it, which the last of
    /// the batch schedules when it completes.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryRecord>> QueueAsync(string queueKey, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            return await session.Query<DeliveryRecord>()
                .Where(DeliveryPredicates.PendingIn(queueKey))
                .OrderBy(d => d.Sequence)
                .Take(_options.BatchSize + 1)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>The earliest time a pending delivery is due, or null when none is scheduled.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var next = await session.Query<DeliveryRecord>()
                .Where(DeliveryPredicates.Scheduled())
                .OrderBy(d => d.NextAttemptAt)
                .FirstOrDefaultAsync(cancellationToken)
                .ConfigureAwait(false);
            return next?.NextAttemptAt;
        }
    }

    /// <summary>Stages the scheduling of the delivery that waited behind one that completes in the same commit.</summary>
    public void StageNext(IDocumentSession session, DeliveryRecord? next)
    {
        if (next is not null)
        {
            next.NextAttemptAt = time.GetUtcNow();
            session.Store(next);
        }
    }

    /// <summary>Records deliveries that wait, untried, behind pending ones of the same handler and aggregates, in one commit.</summary>
    public async Task QueueBehindAsync(
        IReadOnlyList<OutboxMessage> messages,
        IntegrationEventSubscription subscription,
        CancellationToken cancellationToken)
    {
        var records = messages.Select(m => NewRecord(m, subscription, DeliveryRecord.WaitingBehind)).ToList();
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            foreach (var record in records)
            {
                session.Store(record);
            }

            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (DocumentConflictException conflict)
                when (conflict is { Kind: ConflictKind.DuplicateKey, Collection: DeliveryRecord.CollectionName })
            {
                // Some were recorded by an earlier dispatch of these messages, before a crash: one by one, keeping those.
            }
        }

        foreach (var record in records)
        {
            await InsertAsync(record, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records the first failure of a delivery. Returns false when it was parked at once (one attempt allowed).</summary>
    public async Task<bool> RecordFirstFailureAsync(
        OutboxMessage message,
        IntegrationEventSubscription subscription,
        Exception failure,
        CancellationToken cancellationToken)
    {
        var record = NewRecord(message, subscription, time.GetUtcNow());
        var pending = Fail(record, message, failure);
        await InsertAsync(record, cancellationToken).ConfigureAwait(false);
        return pending;
    }

    /// <summary>
    /// Records another failure of a pending delivery. Returns false when it was parked; then <paramref name="next"/>,
    /// the delivery waiting behind it, is scheduled in the same commit.
    /// </summary>
    public async Task<bool> RecordRetryFailureAsync(
        DeliveryRecord record,
        DeliveryRecord? next,
        OutboxMessage message,
        Exception failure,
        CancellationToken cancellationToken)
    {
        var pending = Fail(record, message, failure);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(record);
            if (!pending)
            {
                StageNext(session, next);
            }

            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return pending;
    }

    internal static OutboxMessage MessageOf(DeliveryRecord record) => new(
        record.Sequence,
        Guid.ParseExact(record.EventId, "N"),
        record.EventType,
        record.AggregateId,
        record.OccurredAt,
        record.Payload);

    /// <summary>Counts a failure on <paramref name="record"/> and schedules its next attempt or parks it. True while pending.</summary>
    private bool Fail(DeliveryRecord record, OutboxMessage message, Exception failure)
    {
        record.Attempts++;
        record.LastError = Describe(failure);
        var errorType = failure.GetType().FullName ?? failure.GetType().Name;
        LogFailureDetail(logger, failure, message.EventId, record.Handler);
        if (record.Attempts >= _options.MaxAttempts)
        {
            record.Status = DeliveryStatus.Parked;
            telemetry.Parked(message, record.Handler);
            LogParked(logger, message.EventId, message.EventType, record.Handler, record.Attempts, errorType);
            return false;
        }

        record.Status = DeliveryStatus.Pending;
        record.NextAttemptAt = time.GetUtcNow() + _options.BackoffAfter(record.Attempts, Random.Shared.NextDouble());
        telemetry.Retried(message, record.Handler);
        LogRetrying(logger, message.EventId, message.EventType, record.Handler, record.Attempts, errorType, record.NextAttemptAt);
        return true;
    }

    /// <summary>The exception's type and message, for operators; the event payload never goes here.</summary>
    private static string Describe(Exception failure) => $"{failure.GetType().FullName}: {failure.Message}";

    private static DeliveryRecord NewRecord(OutboxMessage message, IntegrationEventSubscription subscription, DateTimeOffset nextAttemptAt) => new()
        {
            Id = InboxRecord.IdFor(subscription.HandlerName, message.EventId),
            Handler = subscription.HandlerName,
            EventId = message.EventId.ToString("N"),
            EventType = message.EventType,
            AggregateId = message.AggregateId,
            QueueKey = DeliveryRecord.QueueKeyFor(subscription.HandlerName, message.AggregateId),
            Sequence = message.Sequence,
            OccurredAt = message.OccurredAt,
            NextAttemptAt = nextAttemptAt,
            Status = DeliveryStatus.Pending,
            Payload = message.Payload,
        };

    private async Task InsertAsync(DeliveryRecord record, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(record);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException conflict)
                when (conflict is { Kind: ConflictKind.DuplicateKey, Collection: DeliveryRecord.CollectionName })
            {
                // The outbox message is being dispatched again after a crash; the record from the first time stands.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Delivery of event {EventId} ({EventType}) to {Handler} failed on attempt {Attempt} with {ErrorType}; next attempt at {NextAttemptAt}")]
    private static partial void LogRetrying(
        ILogger logger, Guid eventId, string eventType, string handler, int attempt, string errorType, DateTimeOffset nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Delivery of event {EventId} ({EventType}) to {Handler} parked after {Attempts} attempts; last error {ErrorType}")]
    private static partial void LogParked(
        ILogger logger, Guid eventId, string eventType, string handler, int attempts, string errorType);

    // The exception's message may quote handled data, so it is logged only at Debug; operators read it from the monitor.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery of event {EventId} to {Handler} failed")]
    private static partial void LogFailureDetail(ILogger logger, Exception failure, Guid eventId, string handler);
}
