using Crm.SharedKernel.Events;

namespace Crm.Modules.Customers.Contracts;

/// <summary>A customer was created (by the API, a bulk call, a CSV import, or an order for an unknown email).</summary>
public sealed record CustomerCreatedIntegrationEvent(CustomerSnapshot Customer) : IntegrationEvent
{
    public override string AggregateId => Customer.Id;
}

/// <summary>
/// A customer changed: profile, consent, attributes or behavioural data. Carries the whole snapshot after the change;
/// <see cref="ChangedFields"/> names the top-level fields that changed (camelCase, e.g. <c>behaviour</c>, <c>consent</c>).
/// </summary>
public sealed record CustomerUpdatedIntegrationEvent(CustomerSnapshot Customer, IReadOnlyList<string> ChangedFields) : IntegrationEvent
{
    public override string AggregateId => Customer.Id;
}

/// <summary>
/// A customer was erased on request: every module removes or anonymises what it holds about them. Carries the email
/// (normalised) only so that subscribers keyed by email can forget it; they must not keep it.
/// </summary>
public sealed record CustomerErasedIntegrationEvent(string CustomerId, string Email) : IntegrationEvent
{
    public override string AggregateId => CustomerId;
}
