using System.Diagnostics;
using Crm.SharedKernel.Infrastructure.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// The MongoDB engine reports through the same "Crm.Store" source and instruments as the SQLite engine, tagged with
/// the engine, so dashboards read the same whichever store runs.
/// </summary>
internal static class MongoStoreTelemetry
{
    public static Activity? StartCommit(string operation) => Start("store.commit", operation, collection: null);

    public static Activity? StartQuery(string operation, string collection) => Start("store.query", operation, collection);

    public static void RecordCommit(long startTimestamp, string operation, bool succeeded, int rows)
    {
        StoreTelemetry.CommitDuration.Record(ElapsedMs(startTimestamp), Tags(operation, collection: null, succeeded));
        if (succeeded && rows > 0)
        {
            StoreTelemetry.RowsWritten.Add(rows, new KeyValuePair<string, object?>("db.system.name", "mongodb"));
        }
    }

    public static void RecordQuery(long startTimestamp, string operation, string collection, bool succeeded) =>
        StoreTelemetry.QueryDuration.Record(ElapsedMs(startTimestamp), Tags(operation, collection, succeeded));

    private static Activity? Start(string name, string operation, string? collection)
    {
        var activity = StoreTelemetry.Source.StartActivity(name, ActivityKind.Client);
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
