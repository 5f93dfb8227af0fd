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
/// Events of one aggregate go one after another; different aggregates go side by side. A failed delivery is
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

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        var abandon = cancellationToken.Register(() => _abandon.Cancel());
        await using (abandon.ConfigureAwait(false))
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _abandon.Dispose();
        base.Dispose();
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

        var aggregates = batch.GroupBy(m => m.AggregateId).Select(g => g.ToList()).ToList();
        var waiting = (await ledger.PendingForAggregatesAsync([.. aggregates.Select(a => a[0].AggregateId)], inFlight).ConfigureAwait(false))
            .ToLookup(d => d.AggregateId, d => d.QueueKey);

        var done = new ConcurrentBag<long>();
        ExceptionDispatchInfo? failure = null;
        try
        {
            await ForEachAsync(aggregates, async messages =>
            {
                var blocked = waiting[messages[0].AggregateId].ToHashSet(StringComparer.Ordinal);
                foreach (var message in messages)
                {
                    if (stoppingToken.IsCancellationRequested)
                    {
                        return;
                    }

                    await DispatchAsync(message, blocked, inFlight).ConfigureAwait(false);
                    done.Add(message.Sequence);
                }
            }).ConfigureAwait(false);
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
        return batch.Count == _options.BatchSize && !stoppingToken.IsCancellationRequested;
    }

    /// <summary>One message to every subscription of its type. <paramref name="blocked"/> holds the queues of this aggregate that wait for a retry.</summary>
    private async Task DispatchAsync(OutboxMessage message, HashSet<string> blocked, CancellationToken cancellationToken)
    {
        // An event type nobody in this process declared has no subscribers here.
        if (registry.FindEventType(message.EventType) is not { } eventType)
        {
            return;
        }

        var envelope = new EventEnvelope(message, eventType);
        foreach (var subscription in registry.SubscriptionsFor(eventType))
        {
            var queue = DeliveryRecord.QueueKeyFor(subscription.HandlerName, message.AggregateId);
            if (blocked.Contains(queue))
            {
                await ledger.QueueBehindAsync(message, subscription, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var error = await delivery.DeliverAsync(envelope, subscription, pending: null, next: null, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                continue;
            }

            if (await ledger.RecordFirstFailureAsync(message, subscription, error, cancellationToken).ConfigureAwait(false))
            {
                blocked.Add(queue);
            }

            Volatile.Write(ref _failuresRecorded, 1);
        }
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
