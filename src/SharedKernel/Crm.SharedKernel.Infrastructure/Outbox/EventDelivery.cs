using System.Diagnostics;
using System.Text.Json;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>An outbox message and its event, read from the payload once however many handlers receive it.</summary>
internal sealed class EventEnvelope(OutboxMessage message, Type eventType)
{
    private readonly Lazy<IIntegrationEvent> _event = new(() =>
        JsonSerializer.Deserialize(message.Payload, eventType, CrmJson.Options) as IIntegrationEvent
        ?? throw new JsonException($"The payload of outbox message {message.Sequence} is not a {eventType.Name}."));

    public OutboxMessage Message { get; } = message;

    public Type EventType { get; } = eventType;

    /// <summary>Throws when the payload cannot be read; that counts as a failed delivery for every handler.</summary>
    public IIntegrationEvent Event => _event.Value;
}

/// <summary>What <see cref="EventDelivery.DeliverBatchAsync"/> did with a batch.</summary>
/// <param name="Taken">How many events, from the front, the attempt covered; the rest go in a later batch.</param>
/// <param name="Failed">The events, among the taken, whose handler threw (their first failed attempt), with the failure.</param>
/// <param name="Committed">False when the commit failed: every taken event is to be delivered one by one.</param>
internal sealed record BatchOutcome(int Taken, IReadOnlyList<(int Index, Exception Failure)> Failed, bool Committed);

/// <summary>
/// Delivers one event to one handler: the handler's changes and its inbox record commit in one session, so a
/// delivery that already happened, or one that races with a duplicate, has no effect.
/// </summary>
internal sealed class EventDelivery(
    IDocumentStore store,
    IServiceScopeFactory scopes,
    DeliveryLedger ledger,
    DispatcherTelemetry telemetry,
    TimeProvider time)
{
    /// <summary>Tries of a delivery whose commit clashed with another writer's, run at once with fresh reads.</summary>
    private const int ConcurrencyAttempts = 3;

    /// <summary>
    /// Runs <paramref name="subscription"/> for the event unless its inbox already holds it. A retried delivery
    /// passes its <paramref name="pending"/> record, removed in the same commit, and the <paramref name="next"/>
    /// one waiting behind it, scheduled in the same commit. Returns the failure, or null when the event is (now or
    /// already) handled.
    /// </summary>
    public async Task<Exception?> DeliverAsync(
        EventEnvelope envelope,
        IntegrationEventSubscription subscription,
        DeliveryRecord? pending,
        DeliveryRecord? next,
        CancellationToken cancellationToken)
    {
        using var activity = DispatcherTelemetry.StartDelivery(envelope.Message, subscription.HandlerName);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var handled = await TryDeliverAsync(envelope, subscription, pending, next, cancellationToken).ConfigureAwait(false);
                if (handled)
                {
                    telemetry.Delivered(envelope.Message, subscription.HandlerName, time.GetUtcNow());
                }

                activity?.SetTag("crm.event.outcome", handled ? "delivered" : "duplicate");
                return null;
            }
            catch (DocumentConflictException conflict) when (!cancellationToken.IsCancellationRequested
                && (attempt < ConcurrencyAttempts
                    || (attempt == ConcurrencyAttempts && conflict is { Kind: ConflictKind.DuplicateKey, Collection: InboxRecord.CollectionName })))
            {
                // Another writer committed first: a duplicate delivery of this event (the next try finds its inbox
                // record and does nothing), or another event's handler changing the same document (the next try
                // reads the new state). Nothing of this try was written.
                activity?.AddEvent(new ActivityEvent("conflict, trying again"));
            }
            catch (Exception failure) when (!cancellationToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
                activity?.SetTag("crm.event.outcome", "failed");
                return failure;
            }
        }
    }

    /// <summary>
    /// Delivers events of distinct aggregates to one handler in one commit: the inbox records of all of them are read
    /// in one query, the handler runs for each unhandled one in order, staging into a <see cref="BatchSession"/>, and
    /// its changes and the inbox records commit together. An event whose handler throws is left out of the commit
    /// (<see cref="BatchOutcome.Failed"/>); one that would see an earlier event's staged change ends the batch there
    /// (<see cref="BatchOutcome.Taken"/>), and it and the rest go in a later batch. When the commit itself fails,
    /// nothing of the batch was written and <see cref="BatchOutcome.Committed"/> is false.
    /// </summary>
    public async Task<BatchOutcome> DeliverBatchAsync(
        IReadOnlyList<EventEnvelope> envelopes,
        IntegrationEventSubscription subscription,
        CancellationToken cancellationToken)
    {
        var handler = subscription.HandlerName;
        using var activity = DispatcherTelemetry.StartBatch(handler, envelopes.Count);
        var eventScopes = new List<AsyncServiceScope>(envelopes.Count);
        var delivered = new List<OutboxMessage>(envelopes.Count);
        var failed = new List<(int Index, Exception Failure)>();
        var taken = envelopes.Count;
        try
        {
            var session = store.OpenSession();
            await using (session.ConfigureAwait(false))
            {
                var inboxIds = new string[envelopes.Count];
                for (var i = 0; i < envelopes.Count; i++)
                {
                    inboxIds[i] = InboxRecord.IdFor(handler, envelopes[i].Message.EventId);
                }

                var handled = await session.LoadManyAsync<InboxRecord>(inboxIds, cancellationToken).ConfigureAwait(false);
                var batch = new BatchSession(session);
                var now = time.GetUtcNow();
                for (var i = 0; i < envelopes.Count; i++)
                {
                    if (handled.ContainsKey(inboxIds[i]))
                    {
                        continue;
                    }

                    // A scope per event, as when delivered alone; all outlive the commit.
                    var scope = scopes.CreateAsyncScope();
                    eventScopes.Add(scope);
                    batch.Begin();
                    var started = time.GetUtcNow();
                    try
                    {
                        await subscription.Invoke(scope.ServiceProvider, envelopes[i].Event, batch, cancellationToken).ConfigureAwait(false);
                    }
                    catch (BatchConflictException)
                    {
                        batch.Reject();
                        taken = i;
                        break;
                    }
                    catch (Exception failure) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Its first attempt failed, as it would have alone: the caller records it, and it is retried alone.
                        batch.Reject();
                        failed.Add((i, failure));
                        using var span = DispatcherTelemetry.StartDelivery(envelopes[i].Message, handler, started);
                        span?.SetStatus(ActivityStatusCode.Error, failure.GetType().Name);
                        span?.SetTag("crm.event.outcome", "failed");
                        continue;
                    }

                    batch.Accept();
                    var message = envelopes[i].Message;

                    // A span for each event the batch commits, over its handler's run: an event left out of the batch
                    // gets its span when it is delivered.
                    using (var span = DispatcherTelemetry.StartDelivery(message, handler, started))
                    {
                        span?.SetTag("crm.event.outcome", "delivered");
                    }

                    session.Store(new InboxRecord
                    {
                        Id = inboxIds[i],
                        Handler = handler,
                        EventId = message.EventId.ToString("N"),
                        HandledAt = now,
                    });
                    delivered.Add(message);
                }

                if (delivered.Count > 0)
                {
                    await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception failure) when (!cancellationToken.IsCancellationRequested)
        {
            // A clash with another writer, a duplicate delivery committing first, or a store fault: nothing of the
            // batch was written, and the caller delivers its events one by one.
            activity?.SetTag("crm.event.outcome", "fallback");
            activity?.AddEvent(new ActivityEvent("batch commit failed: " + failure.GetType().Name));
            return new BatchOutcome(taken, [], Committed: false);
        }
        finally
        {
            foreach (var scope in eventScopes)
            {
                await scope.DisposeAsync().ConfigureAwait(false);
            }
        }

        var at = time.GetUtcNow();
        foreach (var message in delivered)
        {
            telemetry.Delivered(message, handler, at);
        }

        activity?.SetTag("crm.event.delivered", delivered.Count);
        return new BatchOutcome(taken, failed, Committed: true);
    }

    private async Task<bool> TryDeliverAsync(
        EventEnvelope envelope,
        IntegrationEventSubscription subscription,
        DeliveryRecord? pending,
        DeliveryRecord? next,
        CancellationToken cancellationToken)
    {
        var message = envelope.Message;
        var inboxId = InboxRecord.IdFor(subscription.HandlerName, message.EventId);
        // The scope outlives the commit: the handler's scoped services may still hold what the session writes.
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var session = store.OpenSession();
            await using (session.ConfigureAwait(false))
            {
                var handled = await session.LoadAsync<InboxRecord>(inboxId, cancellationToken).ConfigureAwait(false) is not null;
                if (!handled)
                {
                    await subscription.Invoke(scope.ServiceProvider, envelope.Event, session, cancellationToken).ConfigureAwait(false);

                    // Version 0: an insert, so a duplicate delivery committing first makes this commit a DuplicateKey conflict.
                    session.Store(new InboxRecord
                    {
                        Id = inboxId,
                        Handler = subscription.HandlerName,
                        EventId = message.EventId.ToString("N"),
                        HandledAt = time.GetUtcNow(),
                    });
                }

                if (pending is not null)
                {
                    session.Delete<DeliveryRecord>(pending.Id, pending.Version);
                    ledger.StageNext(session, next);
                }

                if (!handled || pending is not null)
                {
                    await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }

                return !handled;
            }
        }
    }
}
