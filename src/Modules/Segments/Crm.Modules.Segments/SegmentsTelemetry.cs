using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.Modules.Segments;

/// <summary>The Segments module's tracing source and meter, both "Crm.Segments". Tags carry kinds and outcomes, never people.</summary>
internal static class SegmentsTelemetry
{
    public const string Name = "Crm.Segments";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Rule evaluations over the audience index, tagged <c>crm.segments.use</c> (preview, analyze, members, membership).</summary>
    public static readonly Histogram<double> EvaluationDuration = Meter.CreateHistogram<double>(
        "crm.segments.evaluation.duration", unit: "s", description: "Time to evaluate rules over the audience index.");

    public static readonly Histogram<double> LoadDuration = Meter.CreateHistogram<double>(
        "crm.segments.audience.load.duration", unit: "s", description: "Time to rebuild the audience index at start.");

    /// <summary>Customers entering or leaving saved segments, tagged <c>crm.segments.change</c> (entered, left).</summary>
    public static readonly Counter<long> MembershipChanges = Meter.CreateCounter<long>(
        "crm.segments.membership.changes", unit: "{customer}", description: "Customers who entered or left saved segments.");

    public static void RecordEvaluation(string use, TimeSpan elapsed) =>
        EvaluationDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("crm.segments.use", use));

    private static Audience.AudienceIndex? _observed;

    static SegmentsTelemetry()
    {
        Meter.CreateObservableGauge("crm.segments.audience.customers", () => (long)(_observed?.LiveCount ?? 0), unit: "{customer}",
            description: "Customers in the audience index.");
        Meter.CreateObservableGauge(
            "crm.segments.audience.bytes",
            () => _observed is { Loaded.IsCompletedSuccessfully: true } index ? index.Bytes : 0L,
            unit: "By",
            description: "Memory held by the audience index's columns.");
    }

    /// <summary>Reports this index's size and memory from now on (one index per host).</summary>
    public static void Observe(Audience.AudienceIndex index) => _observed = index;
}
