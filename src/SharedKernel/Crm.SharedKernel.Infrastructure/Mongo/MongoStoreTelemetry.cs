using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>Traces and timings of the store's hot paths, under the same names on every engine ("Crm.Store").</summary>
internal static class MongoStoreTelemetry
{
    public const string Name = "Crm.Store";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>(
        "crm.store.commit.duration", "ms", "Time to commit a unit of work or a bulk-write batch.");

    private static readonly Histogram<double> QueryDuration = Meter.CreateHistogram<double>(
        "crm.store.query.duration", "ms", "Time to run a load or a query.");

    public static Activity? StartCommit(string operation) => Start("commit", operation, collection: null);

    public static Activity? StartQuery(string operation, string collection) => Start("query", operation, collection);

    public static void RecordCommit(long startTimestamp, string operation, bool succeeded) =>
        CommitDuration.Record(ElapsedMs(startTimestamp), Tags(operation, collection: null, succeeded));

    public static void RecordQuery(long startTimestamp, string operation, string collection, bool succeeded) =>
        QueryDuration.Record(ElapsedMs(startTimestamp), Tags(operation, collection, succeeded));

    private static Activity? Start(string kind, string operation, string? collection)
    {
        var activity = Source.StartActivity($"crm.store.{kind} {operation}", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("db.system.name", "mongodb");
            activity.SetTag("db.operation.name", operation);
            if (collection is not null)
            {
                activity.SetTag("db.collection.name", collection);
            }
        }

        return activity;
    }

    private static double ElapsedMs(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;

    private static TagList Tags(string operation, string? collection, bool succeeded)
    {
        var tags = new TagList
        {
            { "db.system.name", "mongodb" },
            { "db.operation.name", operation },
            { "outcome", succeeded ? "ok" : "error" },
        };
        if (collection is not null)
        {
            tags.Add("db.collection.name", collection);
        }

        return tags;
    }
}
