using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>
/// Delivers the outbox to the subscribed handlers, in process, at least once and in order per aggregate.
/// <para>
/// Each pass reads pending outbox messages in commit order, delivers each to every subscription of its type
/// (<see cref="EventDelivery"/>), records what failed in <c>crm.deliveries</c>, and marks the batch dispatched.
/// Events of one aggregate go one after another, in rounds; within a round, a handler gets the events of distinct
/// aggregates in batches, each batch one session and one commit, falling back to one event per commit when a
/// batch's commit fails. A failed delivery is
/// retried with backoff; until it succeeds or is parked, later events of the same aggregate for the same handler
/// queue behind it, so they never overtake it, while other aggregates and handlers keep flowing. A parked
/// delivery no longer holds its queue: the events behind it proceed, because one poisoned event should not
/// stop a customer's later changes for good; an operator sees it through <see cref="IDeliveryMonitor"/> and may
/// retry it, late.
/// </para>
/// <para>
/// On stop it starts no further delivery, lets the ones under way commit, marks what was delivered, and returns;
/// the host's shutdown timeout cancels deliveries that are still running when it elapses.
/// </para>
/// One dispatcher per database: the outbox has no claims.
/// </summary>
internal sealed partial class OutboxDispatcher(
    IOutboxStore outbox,
    IntegrationEventRegistry registry,
    EventDelivery delivery,
    DeliveryLedger ledger,
    OutboxSignal signal,
    IOptions<OutboxDispatcherOptions> options,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly OutboxDispatcherOptions _options = options.Value;

    // Cancelled only when the host's shutdown timeout elapses; deliveries under way run on it, not on the stopping token.
    private readonly CancellationTokenSource _abandon = new();

    private DateTimeOffset _retryScanAt = DateTimeOffset.MinValue;
    private int _failuresRecorded;
    private int _disposed;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host may stop a dispatcher it has already stopped and disposed (WebApplicationFactory does): nothing to do.
        if (Volatile.Read(ref _disposed) == 1)
        {
            return;
        }

        var abandon = cancellationToken.Register(static state => ((OutboxDispatcher)state!).Abandon(), this);
        await using (abandon.ConfigureAwait(false))
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _abandon.Dispose();
            base.Dispose();
        }
    }

    private void Abandon()
    {
        try
        {
            _abandon.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the shutdown timeout fired: the deliveries it would abandon are gone already.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inFlight = _abandon.Token;
        var pulsed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            signal.Reset();
            var full = false;
            try
            {
                full = await DispatchOutboxAsync(stoppingToken, inFlight).ConfigureAwait(false);
                if (pulsed || Interlocked.Exchange(ref _failuresRecorded, 0) == 1 || time.GetUtcNow() >= _retryScanAt)
                {
                    await RetryDueAsync(stoppingToken, inFlight).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception failure)
            {
                // The store is down or misbehaving; nothing was lost, the outbox and the ledger are read again.
                LogPassFailed(logger, failure);
                _retryScanAt = DateTimeOffset.MinValue;
                await WaitAsync(ErrorPause, stoppingToken).ConfigureAwait(false);
                continue;
            }

            pulsed = !full && await WaitAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false);
        }
    }

    private TimeSpan ErrorPause => _options.PollInterval > TimeSpan.FromSeconds(1) ? _options.PollInterval : TimeSpan.FromSeconds(1);

    private async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        try
        {
            return await signal.WaitAsync(timeout, time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>One batch of the outbox. True when the batch was full, so more may be waiting.</summary>
    internal async Task<bool> DispatchOutboxAsync(CancellationToken stoppingToken, CancellationToken inFlight)
    {
        var batch = await outbox.ReadPendingAsync(_options.BatchSize, stoppingToken).ConfigureAwait(false);
        if (batch.Count == 0)
        {
            return false;
        }

        var aggregateIds = batch.Select(m => m.AggregateId).Distinct(StringComparer.Ordinal).ToList();
        var waiting = (await ledger.PendingForAggregatesAsync(aggregateIds, inFlight).ConfigureAwait(false))
            .Select(d => d.QueueKey)
            .ToHashSet(StringComparer.Ordinal);

        // Each message is read once however many handlers receive it; it is dispatched once every handler has had it.
        var done = new ConcurrentBag<long>();
        var remaining = new int[batch.Count];
        var rounds = new List<List<(int Index, EventEnvelope Envelope, IntegrationEventSubscription[] Subscriptions)>>();
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        var subscribers = new Dictionary<string, (Type? Type, IntegrationEventSubscription[] Subscriptions)>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            if (!subscribers.TryGetValue(message.EventType, out var found))
            {
                // An event type nobody in this process declared has no subscribers here.
                var type = registry.FindEventType(message.EventType);
                subscribers[message.EventType] = found = (type, type is null ? [] : [.. registry.SubscriptionsFor(type)]);
            }

            var (eventType, subscriptions) = found;
            if (subscriptions.Length == 0)
            {
                done.Add(message.Sequence);
                continue;
            }

            // Round k holds the k-th message of each aggregate: distinct aggregates, which may share a commit.
            remaining[i] = subscriptions.Length;
            var round = position.GetValueOrDefault(message.AggregateId);
            position[message.AggregateId] = round + 1;
            if (round == rounds.Count)
            {
                rounds.Add([]);
            }

            rounds[round].Add((i, new EventEnvelope(message, eventType!), subscriptions));
        }

        var blocked = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var queue in waiting)
        {
            blocked[queue] = true;
        }

        ExceptionDispatchInfo? failure = null;
        try
        {
            // A round starts when the one before has finished, so each aggregate's events keep their order for every handler.
            foreach (var round in rounds)
            {
                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                var perHandler = new Dictionary<IntegrationEventSubscription, List<(int Index, EventEnvelope Envelope)>>();
                foreach (var (index, envelope, subscriptions) in round)
                {
                    foreach (var subscription in subscriptions)
                    {
                        if (!perHandler.TryGetValue(subscription, out var list))
                        {
                            perHandler[subscription] = list = [];
                        }

                        list.Add((index, envelope));
                    }
                }

                await Task.WhenAll(perHandler.Select(h => DispatchRoundAsync(h.Key, h.Value, blocked, Done, stoppingToken, inFlight)))
                    .ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            failure = ExceptionDispatchInfo.Capture(exception);
        }

        // What was dispatched is marked even when another aggregate's bookkeeping failed, so it is not dispatched again.
        if (!done.IsEmpty)
        {
            await outbox.MarkDispatchedAsync([.. done], inFlight).ConfigureAwait(false);
        }

        failure?.Throw();
        return batch.Count >= _options.BatchSize && !stoppingToken.IsCancellationRequested;

        // A message is dispatched once every handler has had it.
        void Done(int index)
        {
            if (Interlocked.Decrement(ref remaining[index]) == 0)
            {
                done.Add(batch[index].Sequence);
            }
        }
    }

    /// <summary>
    /// One round's messages (distinct aggregates) for one handler, in commit order, in batches of up to
    /// <see cref="OutboxDispatcherOptions.DeliveryBatchSize"/> per commit. <paramref name="blocked"/> holds the
    /// queues that wait for a retry; their events queue behind.
    /// </summary>
    private async Task DispatchRoundAsync(
        IntegrationEventSubscription subscription,
        List<(int Index, EventEnvelope Envelope)> round,
        ConcurrentDictionary<string, bool> blocked,
        Action<int> done,
        CancellationToken stoppingToken,
        CancellationToken inFlight)
    {
        var deliverable = new List<(int Index, EventEnvelope Envelope)>(round.Count);
        var behind = new List<(int Index, EventEnvelope Envelope)>();
        foreach (var item in round)
        {
            var queued = blocked.ContainsKey(DeliveryRecord.QueueKeyFor(subscription.HandlerName, item.Envelope.Message.AggregateId));
            (queued ? behind : deliverable).Add(item);
        }

        if (behind.Count > 0)
        {
            await ledger.QueueBehindAsync([.. behind.Select(b => b.Envelope.Message)], subscription, inFlight).ConfigureAwait(false);
            foreach (var item in behind)
            {
                done(item.Index);
            }
        }

        await ForEachAsync(deliverable.Chunk(_options.DeliveryBatchSize).ToList(), async chunk =>
        {
            var offset = 0;
            while (offset < chunk.Length && !stoppingToken.IsCancellationRequested)
            {
                var part = chunk[offset..];
                var outcome = await delivery.DeliverBatchAsync([.. part.Select(p => p.Envelope)], subscription, inFlight).ConfigureAwait(false);
                for (var i = 0; i < outcome.Taken; i++)
                {
                    if (!outcome.Committed)
                    {
                        await DeliverAloneAsync(part[i].Envelope, subscription, blocked, inFlight).ConfigureAwait(false);
                    }

                    done(part[i].Index);
                }

                foreach (var (index, failure) in outcome.Failed)
                {
                    await RecordFailureAsync(part[index].Envelope.Message, subscription, failure, blocked, inFlight).ConfigureAwait(false);
                }

                if (outcome.Taken == 0)
                {
                    // The first event of a batch follows no staged change, so only a handler that commits by itself
                    // gets here: it runs alone, in a session of its own.
                    await DeliverAloneAsync(part[0].Envelope, subscription, blocked, inFlight).ConfigureAwait(false);
                    done(part[0].Index);
                    offset++;
                }

                offset += outcome.Taken;
            }
        }).ConfigureAwait(false);
    }

    /// <summary>One message to one handler in a session of its own; a failure is recorded and blocks the aggregate's later events.</summary>
    private async Task DeliverAloneAsync(
        EventEnvelope envelope,
        IntegrationEventSubscription subscription,
        ConcurrentDictionary<string, bool> blocked,
        CancellationToken cancellationToken)
    {
        var error = await delivery.DeliverAsync(envelope, subscription, pending: null, next: null, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            await RecordFailureAsync(envelope.Message, subscription, error, blocked, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records a first failed attempt; while the delivery is pending, the aggregate's later events for the handler queue behind it.</summary>
    private async Task RecordFailureAsync(
        OutboxMessage message,
        IntegrationEventSubscription subscription,
        Exception error,
        ConcurrentDictionary<string, bool> blocked,
        CancellationToken cancellationToken)
    {
        if (await ledger.RecordFirstFailureAsync(message, subscription, error, cancellationToken).ConfigureAwait(false))
        {
            blocked[DeliveryRecord.QueueKeyFor(subscription.HandlerName, message.AggregateId)] = true;
        }

        Volatile.Write(ref _failuresRecorded, 1);
    }

    /// <summary>Attempts the pending deliveries that are due, each queue from its front.</summary>
    internal async Task RetryDueAsync(CancellationToken stoppingToken, CancellationToken inFlight)
    {
        var fronts = await ledger.DueFrontsAsync(stoppingToken).ConfigureAwait(false);
        await ForEachAsync([.. fronts.Select(f => f.QueueKey).Distinct(StringComparer.Ordinal)], async queueKey =>
        {
            var queue = await ledger.QueueAsync(queueKey, inFlight).ConfigureAwait(false);
            for (var i = 0; i < Math.Min(queue.Count, _options.BatchSize) && !stoppingToken.IsCancellationRequested; i++)
            {
                var next = i + 1 < queue.Count ? queue[i + 1] : null;
                if (queue[i].NextAttemptAt > time.GetUtcNow() || !await RetryAsync(queue[i], next, inFlight).ConfigureAwait(false))
                {
                    return;
                }
            }
        }).ConfigureAwait(false);

        var due = await ledger.NextDueAsync(stoppingToken).ConfigureAwait(false);
        var soonest = time.GetUtcNow() + _options.PollInterval;
        _retryScanAt = due is null ? DateTimeOffset.MaxValue : due.Value > soonest ? due.Value : soonest;
    }

    /// <summary>One pending delivery. True when its queue may go on: it was delivered or has been parked.</summary>
    private async Task<bool> RetryAsync(DeliveryRecord record, DeliveryRecord? next, CancellationToken cancellationToken)
    {
        var message = DeliveryLedger.MessageOf(record);
        var eventType = registry.FindEventType(record.EventType);
        var subscription = eventType is null
            ? null
            : registry.SubscriptionsFor(eventType).FirstOrDefault(s => s.HandlerName == record.Handler);
        Exception? error;
        if (subscription is null)
        {
            // Retrying cannot help until the code changes, so the failure parks at once for an operator to see.
            error = new InvalidOperationException($"{record.Handler} no longer subscribes to {record.EventType}.");
            record.Attempts = Math.Max(record.Attempts, _options.MaxAttempts - 1);
        }
        else
        {
            error = await delivery.DeliverAsync(new EventEnvelope(message, eventType!), subscription, record, next, cancellationToken)
                .ConfigureAwait(false);
        }

        return error is null
            || !await ledger.RecordRetryFailureAsync(record, next, message, error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="body"/> over the items, at most <see cref="OutboxDispatcherOptions.MaxConcurrency"/> at a time.</summary>
    private async Task ForEachAsync<T>(IReadOnlyList<T> items, Func<T, Task> body)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(_options.MaxConcurrency, items.Count)).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < items.Count)
            {
                await body(items[index]).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox dispatch pass failed; retrying")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
