using Crm.Modules.Customers.Contracts;

namespace Crm.Modules.Customers.Domain;

/// <summary>
/// The integration events of a customer write, built just before the commit that stores the customer: the snapshot
/// carries the version the commit will give it (one more than the version read; 1 for an insert), so subscribers can
/// order snapshots by version.
/// </summary>
internal static class CustomerEvents
{
    public static CustomerCreatedIntegrationEvent Created(Customer customer, DateTimeOffset now) =>
        new(Snapshot(customer)) { OccurredAt = now };

    public static CustomerUpdatedIntegrationEvent Updated(Customer customer, IReadOnlyList<string> changedFields, DateTimeOffset now) =>
        new(Snapshot(customer), changedFields) { OccurredAt = now };

    public static CustomerErasedIntegrationEvent Erased(Customer customer, DateTimeOffset now) =>
        new(customer.Id, customer.Email) { OccurredAt = now };

    private static CustomerSnapshot Snapshot(Customer customer) => customer.ToSnapshot() with { Version = customer.Version + 1 };
}
