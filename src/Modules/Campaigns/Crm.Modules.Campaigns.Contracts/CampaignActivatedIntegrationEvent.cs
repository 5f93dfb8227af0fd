using Crm.SharedKernel.Events;

namespace Crm.Modules.Campaigns.Contracts;

/// <summary>
/// A campaign was started: from now on it reaches customers. Identity writes it to the audit log; publish it in the
/// same session that stores the campaign's new status.
/// </summary>
/// <param name="ActivatedBy">The user id or API key id that activated it.</param>
/// <param name="ActivatedByEmail">The person's email when a person did it; null for an API key.</param>
public sealed record CampaignActivatedIntegrationEvent(string CampaignId, string CampaignName, string ActivatedBy, string? ActivatedByEmail)
    : IntegrationEvent
{
    public override string AggregateId => CampaignId;
}
