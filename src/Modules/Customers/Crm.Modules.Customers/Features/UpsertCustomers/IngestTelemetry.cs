using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.Modules.Customers.Features.UpsertCustomers;

/// <summary>
/// The ingestion instruments (bulk calls and CSV imports) on the module's "Crm.Customers" source and meter.
/// Tags carry sources, statuses and counts, never a customer's data.
/// </summary>
internal static class IngestTelemetry
{
    public static ActivitySource Source => CustomersTelemetry.ActivitySource;

    private static Meter Meter => CustomersTelemetry.Meter;

    public static readonly Counter<long> RowsReceived =
        Meter.CreateCounter<long>("crm.customers.ingest.rows_received", "{row}", "Customer rows received by bulk calls and imports.");

    public static readonly Counter<long> RowsStored =
        Meter.CreateCounter<long>("crm.customers.ingest.rows_stored", "{row}", "Customer rows stored (inserted, updated or found unchanged).");

    public static readonly Counter<long> RowsFailed =
        Meter.CreateCounter<long>("crm.customers.ingest.rows_failed", "{row}", "Customer rows refused: invalid, unreadable or lost to concurrent changes.");

    public static readonly Counter<long> ImportJobs =
        Meter.CreateCounter<long>("crm.customers.import.jobs", "{job}", "CSV import jobs by the status they reached.");
}
