using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.Modules.Customers.Features.UpsertCustomers;

/// <summary>
/// Traces and metrics of customer ingestion (bulk calls and CSV imports), under the module's "Crm.Customers" name.
/// Tags carry sources, outcomes and counts, never a customer's data.
/// </summary>
internal static class IngestTelemetry
{
    public const string Name = "Crm.Customers";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> RowsReceived =
        Meter.CreateCounter<long>("crm.customers.ingest.rows_received", "{row}", "Customer rows received by bulk calls and imports.");

    public static readonly Counter<long> RowsStored =
        Meter.CreateCounter<long>("crm.customers.ingest.rows_stored", "{row}", "Customer rows stored (inserted, updated or found unchanged).");

    public static readonly Counter<long> RowsFailed =
        Meter.CreateCounter<long>("crm.customers.ingest.rows_failed", "{row}", "Customer rows refused: invalid, unreadable or lost to concurrent changes.");

    public static readonly Counter<long> ImportJobs =
        Meter.CreateCounter<long>("crm.customers.import.jobs", "{job}", "CSV import jobs by the status they reached.");
}
