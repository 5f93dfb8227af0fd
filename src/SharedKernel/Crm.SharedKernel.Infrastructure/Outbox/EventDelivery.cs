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
