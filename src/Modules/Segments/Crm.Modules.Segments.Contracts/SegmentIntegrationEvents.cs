using Crm.SharedKernel.Events;

namespace Crm.Modules.Segments.Contracts;

/// <summary>
/// Customers entered or left a saved segment because their data changed, time passed a relative rule's edge, or the
/// segment's rules changed (<see cref="SegmentVersion"/> is the version evaluated). Large changes come as several
/// events of at most a few thousand ids each, in order per segment. Saving a new segment announces no one: its first
/// members did not enter, they were there.
/// </summary>
public sealed record SegmentMembershipChangedIntegrationEvent(
    string SegmentId,
    long SegmentVersion,
    IReadOnlyList<string> Entered,
    IReadOnlyList<string> Left) : IntegrationEvent
{
    public override string AggregateId => SegmentId;
}
