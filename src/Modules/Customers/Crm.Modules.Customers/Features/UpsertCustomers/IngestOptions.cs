using Crm.SharedKernel.Web.Bulk;

namespace Crm.Modules.Customers.Features.UpsertCustomers;

/// <summary>Limits of the bulk endpoint (<c>Customers:Bulk</c>).</summary>
internal sealed class BulkOptions
{
    public const string Section = "Customers:Bulk";

    /// <summary>Rows per call; more and the call is refused with 413 before anything is written.</summary>
    public int MaxRows { get; set; } = BulkReadOptions.DefaultMaxRows;

    /// <summary>
    /// Rows bound, looked up and written as one step of a call; the next chunk is read while the store writes this one.
    /// A call holds about two chunks of customers as objects, whatever its size.
    /// </summary>
    public int ChunkRows { get; set; } = CustomerUpserter.PipelineChunk;

    /// <summary>Bytes per call: room for the maximum rows at about 2.5 KB each. Other endpoints keep the host's limit.</summary>
    public long MaxBodyBytes { get; set; } = 256L * 1024 * 1024;
}

/// <summary>Limits and places of CSV imports (<c>Customers:Imports</c>).</summary>
internal sealed class ImportOptions
{
    public const string Section = "Customers:Imports";

    /// <summary>Bytes per uploaded file.</summary>
    public long MaxUploadBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Where uploads and failure files are kept; relative paths are under the data folder.</summary>
    public string Folder { get; set; } = "imports";

    /// <summary>Rows upserted per batch (one store round of lookups and writes).</summary>
    public int BatchRows { get; set; } = 5_000;

    /// <summary>Failed rows kept in a job's failures file; later failures are counted but not kept.</summary>
    public int MaxFailureRows { get; set; } = 10_000;

    /// <summary>Jobs waiting to run; a full queue answers 503 with Retry-After.</summary>
    public int QueueCapacity { get; set; } = 100;
}
