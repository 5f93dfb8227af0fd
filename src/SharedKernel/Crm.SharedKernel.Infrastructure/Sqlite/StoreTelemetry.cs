using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>Traces and metrics of the store's hot paths. Tags carry collection names and counts, never document content.</summary>
internal static class StoreTelemetry
{
    public const string Name = "Crm.Store";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> CommitDuration =
        Meter.CreateHistogram<double>("crm.store.commit.duration", "ms", "Time of one group commit on the writer.");

    public static readonly Histogram<int> GroupSize =
        Meter.CreateHistogram<int>("crm.store.commit.group_size", "{unit}", "Units of work committed in one transaction.");

    public static readonly Counter<long> RowsWritten =
        Meter.CreateCounter<long>("crm.store.rows_written", "{row}", "Document rows inserted, updated or deleted.");

    public static readonly Histogram<double> QueryDuration =
        Meter.CreateHistogram<double>("crm.store.query.duration", "ms", "Time of one read (load, query, count).");

    /// <summary>A span for one read. The SQL text carries no values: they are always bound parameters.</summary>
    public static Activity? StartQuery(string sql)
    {
        var activity = Source.StartActivity("store.query", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("db.system.name", "sqlite");
            activity.SetTag("db.query.text", sql);
        }

        return activity;
    }
}
