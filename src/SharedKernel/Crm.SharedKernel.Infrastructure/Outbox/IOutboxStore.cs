namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>An event as written to the outbox by a session's commit. <see cref="Sequence"/> is the commit order.</summary>
internal sealed record OutboxMessage(
    long Sequence,
    Guid EventId,
    string EventType,
    string AggregateId,
    DateTimeOffset OccurredAt,
    string Payload);

/// <summary>What the dispatcher needs from an engine's outbox. Each adapter implements it next to its session.</summary>
internal interface IOutboxStore
{
    /// <summary>Messages not yet marked dispatched, in <see cref="OutboxMessage.Sequence"/> order.</summary>
    Task<IReadOnlyList<OutboxMessage>> ReadPendingAsync(int max, CancellationToken cancellationToken);

    Task MarkDispatchedAsync(IReadOnlyCollection<long> sequences, CancellationToken cancellationToken);
}
