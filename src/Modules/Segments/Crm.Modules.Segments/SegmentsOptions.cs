namespace Crm.Modules.Segments;

/// <summary>The <c>Segments</c> configuration section.</summary>
internal sealed class SegmentsOptions
{
    public const string Section = "Segments";

    /// <summary>How often saved segments are checked for customers entering or leaving after a change.</summary>
    public TimeSpan MembershipInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often they are checked with no change at all, for relative dates ("within the last 30 days") that time moves.</summary>
    public TimeSpan MembershipRecheck { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether this host announces membership changes. With several hosts, leave it on for one of them only:
    /// each host that announces publishes the same changes.
    /// </summary>
    public bool AnnounceMembership { get; set; } = true;
}
