namespace Crm.SharedKernel.Events;

/// <summary>
/// A fact one module tells the others. Records live in the publisher's <c>.Contracts</c> assembly.
/// Delivery is at least once and in order per <see cref="AggregateId"/>.
/// </summary>
public interface IIntegrationEvent
{
    Guid EventId { get; }

    DateTimeOffset OccurredAt { get; }

    /// <summary>The id of the thing the event is about; events with the same id are delivered in order.</summary>
    string AggregateId { get; }
}

/// <summary>Base record: a time-ordered id by default; the publisher sets <see cref="OccurredAt"/> from its <see cref="TimeProvider"/>.</summary>
public abstract record IntegrationEvent : IIntegrationEvent
{
    public Guid EventId { get; init; } = Guid.CreateVersion7();

    public DateTimeOffset OccurredAt { get; init; }

    public abstract string AggregateId { get; }
}
