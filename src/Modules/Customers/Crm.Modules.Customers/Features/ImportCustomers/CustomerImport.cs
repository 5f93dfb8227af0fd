using Crm.Modules.Customers.Features;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Customers.Features.ImportCustomers;

internal enum ImportStatus
{
    Queued,
    Running,
    Completed,
    Failed,
}

/// <summary>
/// A CSV import job, stored in <c>customers.imports</c>. Only the import worker writes it once it is queued; counts
/// are raised after each batch, so a client polling it sees progress.
/// </summary>
internal sealed class CustomerImport : IDocument
{
    public const string Collection = "customers.imports";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    public ImportStatus Status { get; set; }

    /// <summary>
    /// The machine holding the upload and running the job. With several hosts on one store, a host that starts
    /// recovers only its own jobs, never those another host is running.
    /// </summary>
    public string Host { get; set; } = "";

    /// <summary>The name the client gave the file (shown back to it; not a path on this server).</summary>
    public string FileName { get; set; } = "";

    public long Bytes { get; set; }

    public int RowsRead { get; set; }

    public int RowsInserted { get; set; }

    public int RowsUpdated { get; set; }

    public int RowsUnchanged { get; set; }

    public int RowsFailed { get; set; }

    /// <summary>Failed rows written to the failures file; beyond the configured bound they are counted only.</summary>
    public int FailuresKept { get; set; }

    /// <summary>Columns that map to no field and cannot be a custom attribute key, so their cells were not imported.</summary>
    public List<string> IgnoredColumns { get; set; } = [];

    /// <summary>Why the job stopped, for a failed job: about the file or the server, never a row's content.</summary>
    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public int RowsStored => RowsInserted + RowsUpdated + RowsUnchanged;
}

/// <summary>A job as the API shows it.</summary>
internal sealed record CustomerImportResponse(
    string Id,
    string Status,
    string FileName,
    long Bytes,
    int RowsRead,
    int RowsStored,
    int RowsInserted,
    int RowsUpdated,
    int RowsUnchanged,
    int RowsFailed,
    int FailuresKept,
    IReadOnlyList<string> IgnoredColumns,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string Failures)
{
    public static CustomerImportResponse From(CustomerImport job) => new(
        job.Id,
        job.Status switch
        {
            ImportStatus.Queued => "queued",
            ImportStatus.Running => "running",
            ImportStatus.Completed => "completed",
            _ => "failed",
        },
        job.FileName,
        job.Bytes,
        job.RowsRead,
        job.RowsStored,
        job.RowsInserted,
        job.RowsUpdated,
        job.RowsUnchanged,
        job.RowsFailed,
        job.FailuresKept,
        job.IgnoredColumns,
        job.Error,
        job.CreatedAt,
        job.StartedAt,
        job.FinishedAt,
        $"{CustomersApi.PublicPath}/imports/{job.Id}/failures");
}
