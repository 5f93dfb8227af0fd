using System.Linq.Expressions;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>The ledger's queries over <c>crm.deliveries</c>, in one place so a test can check that every engine translates them.</summary>
internal static class DeliveryPredicates
{
    public static Expression<Func<DeliveryRecord, bool>> WithStatus(string status) => d => d.Status == status;

    /// <summary>Pending deliveries of any of the aggregates (a captured list, which both engines read as "in").</summary>
    public static Expression<Func<DeliveryRecord, bool>> PendingFor(IReadOnlyCollection<string> aggregateIds)
    {
        IEnumerable<string> ids = aggregateIds;
        return d => d.Status == DeliveryStatus.Pending && ids.Contains(d.AggregateId);
    }

    public static Expression<Func<DeliveryRecord, bool>> DueBy(DateTimeOffset now) =>
        d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now;

    public static Expression<Func<DeliveryRecord, bool>> PendingIn(string queueKey) =>
        d => d.Status == DeliveryStatus.Pending && d.QueueKey == queueKey;

    /// <summary>Pending deliveries that have a time of their own, not waiting behind another.</summary>
    public static Expression<Func<DeliveryRecord, bool>> Scheduled()
    {
        var waiting = DeliveryRecord.WaitingBehind;
        return d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt < waiting;
    }
}
