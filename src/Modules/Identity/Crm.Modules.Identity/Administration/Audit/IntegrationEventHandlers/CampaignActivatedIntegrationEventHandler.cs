using Crm.Modules.Campaigns.Contracts;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Identity.Administration.Audit.IntegrationEventHandlers;

/// <summary>
/// Writes the audit line of a campaign activation. The line goes into the dispatcher's session, so it commits with
/// the inbox mark: a redelivered event writes no second line. Its id comes from the event, which makes that doubly sure.
/// </summary>
internal sealed class CampaignActivatedIntegrationEventHandler : IIntegrationEventHandler<CampaignActivatedIntegrationEvent>
{
    public Task HandleAsync(CampaignActivatedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        ArgumentNullException.ThrowIfNull(session);
        session.Upsert(new AuditEntry
        {
            Id = integrationEvent.EventId.ToString("N"),
            Action = AuditActions.CampaignActivated,
            ActorId = integrationEvent.ActivatedBy,
            ActorEmail = integrationEvent.ActivatedByEmail,
            TargetId = integrationEvent.CampaignId,
            Detail = integrationEvent.CampaignName,
            At = integrationEvent.OccurredAt,
        });
        return Task.CompletedTask;
    }
}
