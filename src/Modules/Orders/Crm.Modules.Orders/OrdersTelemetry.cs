using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.Modules.Orders;

/// <summary>The Orders module's tracing source and meter, both "Crm.Orders". Tags carry sources and outcomes, never people.</summary>
internal static class OrdersTelemetry
{
    public const string Name = "Crm.Orders";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Orders recorded for the first time, tagged <c>crm.orders.channel</c> (<c>api</c> or <c>bulk</c>).</summary>
    public static readonly Counter<long> Placed = Meter.CreateCounter<long>(
        "crm.orders.placed", unit: "{order}", description: "Orders recorded for the first time.");

    /// <summary>Re-sent orders (a source and external id already recorded), answered without counting them again.</summary>
    public static readonly Counter<long> Duplicates = Meter.CreateCounter<long>(
        "crm.orders.duplicates", unit: "{order}", description: "Re-sent orders that were not recorded again.");

    /// <summary>Rows of bulk calls, tagged <c>crm.orders.outcome</c>: inserted, duplicate or failed.</summary>
    public static readonly Counter<long> BulkRows = Meter.CreateCounter<long>(
        "crm.orders.bulk.rows", unit: "{row}", description: "Rows received by bulk order calls, by outcome.");

    /// <summary>Orders refused, tagged <c>crm.orders.reason</c> (the error code).</summary>
    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "crm.orders.failures", unit: "{order}", description: "Orders that could not be recorded, by reason.");

    /// <summary>Status changes, tagged <c>crm.orders.status</c> (the new status).</summary>
    public static readonly Counter<long> StatusChanges = Meter.CreateCounter<long>(
        "crm.orders.status_changes", unit: "{order}", description: "Order status changes.");

    public static readonly Histogram<double> BulkDuration = Meter.CreateHistogram<double>(
        "crm.orders.bulk.duration", unit: "s", description: "Time to read, check and store one bulk order call.");

    public static void CountPlaced(string channel, long count = 1) =>
        Placed.Add(count, new KeyValuePair<string, object?>("crm.orders.channel", channel));

    public static void CountFailure(string reason, long count = 1) =>
        Failures.Add(count, new KeyValuePair<string, object?>("crm.orders.reason", reason));
}
