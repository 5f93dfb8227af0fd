using Crm.SharedKernel.Documents;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>States of a <see cref="DeliveryRecord"/>, stored as these strings.</summary>
internal static class DeliveryStatus
{
    /// <summary>Waiting for its next attempt, or queued behind an earlier delivery of the same aggregate.</summary>
    public const string Pending = "pending";

    /// <summary>Gave up after the last attempt; waits for an operator to retry it.</summary>
    public const string Parked = "parked";
}

/// <summary>
/// A delivery of one event to one handler that did not succeed at the first try, or that waits behind one that
/// did not (<c>crm.deliveries</c>). Kept in the store, not in memory, so a restart resumes it. The record carries
/// the event's payload so that a retry does not depend on how long the outbox keeps dispatched messages; the
/// payload is never logged nor shown to operators.
/// </summary>
internal sealed class DeliveryRecord : IDocument
{
    public const string CollectionName = "crm.deliveries";

    /// <summary><c>{handler}:{eventId}</c>, the same key as the inbox record the delivery will write.</summary>
    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Handler { get; set; } = "";

    public string EventId { get; set; } = "";

    public string EventType { get; set; } = "";

    public string AggregateId { get; set; } = "";

    /// <summary>
    /// <c>{handler}|{aggregateId}</c>: deliveries with the same key run one at a time in <see cref="Sequence"/> order.
    /// </summary>
    public string QueueKey { get; set; } = "";

    /// <summary>The outbox sequence: commit order.</summary>
    public long Sequence { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>Failed attempts so far; 0 for a delivery that only waits behind another.</summary>
    public int Attempts { get; set; }

    /// <summary>When the next attempt is due; <see cref="WaitingBehind"/> while an earlier delivery of the queue is pending.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public string Status { get; set; } = DeliveryStatus.Pending;

    /// <summary>The last failure's exception type and message; never the payload.</summary>
    public string? LastError { get; set; }

    public string Payload { get; set; } = "";

    /// <summary>
    /// The schedule of a delivery that waits behind an earlier one of its queue, so that only a queue's front is
    /// ever due. The front's completion (delivered or parked) schedules the next one in the same commit.
    /// A whole day, so it survives MongoDB's millisecond dates unchanged.
    /// </summary>
    public static readonly DateTimeOffset WaitingBehind = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    public static string QueueKeyFor(string handlerName, string aggregateId) => $"{handlerName}|{aggregateId}";
}
