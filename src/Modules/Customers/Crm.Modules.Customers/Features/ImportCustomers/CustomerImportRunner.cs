using System.Diagnostics;
using System.Text;
using Crm.Modules.Customers.Features.UpsertCustomers;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Web.Bulk;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sylvan.Data.Csv;

namespace Crm.Modules.Customers.Features.ImportCustomers;

/// <summary>
/// Runs one import job: reads the uploaded CSV record by record, upserts batches through <see cref="CustomerUpserter"/>,
/// writes failed rows (their cells, then <c>row</c>, <c>field</c>, <c>reason</c>) to the failures file and raises the
/// job's counts after each batch. Rows are numbered as a spreadsheet shows them: the header is row 1.
/// </summary>
internal sealed partial class CustomerImportRunner(
    IDocumentStore store,
    CustomerUpserter upserter,
    ImportFiles files,
    IOptions<ImportOptions> options,
    TimeProvider time,
    ILogger<CustomerImportRunner> logger)
{
    public const string Source = "import";

    /// <summary>One record may span this many characters (embedded newlines included) before the file is refused.</summary>
    private const int MaxRecordChars = 4 * 1024 * 1024;

    public async Task RunAsync(string jobId, CancellationToken cancellationToken)
    {
        CustomerImport? job;
        await using (var session = store.OpenSession())
        {
            job = await session.LoadAsync<CustomerImport>(jobId, cancellationToken).ConfigureAwait(false);
        }

        if (job is not { Status: ImportStatus.Queued })
        {
            return;
        }

        job.Status = ImportStatus.Running;
        job.StartedAt = time.GetUtcNow();
        await SaveAsync(job, cancellationToken).ConfigureAwait(false);
        IngestTelemetry.ImportJobs.Add(1, new KeyValuePair<string, object?>("crm.import.status", "running"));
        LogStarted(logger, job.Id, job.Bytes);

        try
        {
            await ImportAsync(job, cancellationToken).ConfigureAwait(false);
            job.Status = ImportStatus.Completed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            job.Status = ImportStatus.Failed;
            job.Error = "The server stopped during the import. Rows counted as stored are kept; upload the file again to import the rest (rows upsert by email, so repeating them is safe).";
        }
        catch (Exception broken) when (broken is not OperationCanceledException)
        {
            job.Status = ImportStatus.Failed;
            job.Error = FileProblem(broken);
            if (job.Error is null)
            {
                LogFault(logger, broken, job.Id);
                job.Error = "The server could not finish the import. Rows counted as stored are kept; upload the file again to import the rest.";
            }
        }

        job.FinishedAt = time.GetUtcNow();
        await SaveAsync(job, CancellationToken.None).ConfigureAwait(false);
        File.Delete(files.UploadOf(job.Id));
        IngestTelemetry.ImportJobs.Add(1, new KeyValuePair<string, object?>("crm.import.status", job.Status == ImportStatus.Completed ? "completed" : "failed"));
        LogFinished(logger, job.Id, job.Status, job.RowsRead, job.RowsStored, job.RowsFailed);
    }

    private async Task ImportAsync(CustomerImport job, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        using var text = new StreamReader(files.UploadOf(job.Id), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        await using var csv = await CsvDataReader.CreateAsync(
                text,
                new CsvDataReaderOptions { HasHeaders = true, MaxBufferSize = MaxRecordChars },
                cancellationToken)
            .ConfigureAwait(false);

        var headers = Enumerable.Range(0, csv.FieldCount).Select(csv.GetName).ToList();
        var map = CustomerCsv.FromHeader(headers);
        job.IgnoredColumns = [.. map.IgnoredColumns];
        if (!map.HasEmail)
        {
            throw new ImportFileException("The file has no email column: customers are matched and created by email.");
        }

        await using var failures = new FailureFile(files.FailuresOf(job.Id), headers, limits.MaxFailureRows);
        var batch = new Batch(Math.Max(1, limits.BatchRows));
        var row = 1;
        while (await csv.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            row++;
            var cells = new string[csv.RowFieldCount];
            for (var i = 0; i < cells.Length; i++)
            {
                cells[i] = csv.GetString(i);
            }

            batch.Add(row, cells, map);
            if (batch.Count >= limits.BatchRows)
            {
                await FlushAsync(job, batch, failures, cancellationToken).ConfigureAwait(false);
            }
        }

        await FlushAsync(job, batch, failures, cancellationToken).ConfigureAwait(false);
        job.FailuresKept = failures.Written;
    }

    private async Task FlushAsync(CustomerImport job, Batch batch, FailureFile failures, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        using var activity = IngestTelemetry.Source.StartActivity("customers.import.batch");
        activity?.SetTag("crm.import.id", job.Id);
        activity?.SetTag("crm.import.rows", batch.Count);
        var outcome = await upserter.UpsertAsync(batch.Rows, batch.Unreadable, Source, cancellationToken).ConfigureAwait(false);
        job.RowsRead += outcome.Received;
        job.RowsInserted += outcome.Inserted;
        job.RowsUpdated += outcome.Updated;
        job.RowsUnchanged += outcome.Unchanged;
        job.RowsFailed += outcome.Failed;
        foreach (var failed in outcome.Errors.GroupBy(e => e.Row))
        {
            failures.Write(failed.Key, batch.CellsOf(failed.Key), [.. failed]);
        }

        await failures.FlushAsync(cancellationToken).ConfigureAwait(false);
        job.FailuresKept = failures.Written;
        batch.Clear();
        await SaveAsync(job, cancellationToken).ConfigureAwait(false);
    }

    private async Task SaveAsync(CustomerImport job, CancellationToken cancellationToken)
    {
        await using var session = store.OpenSession();
        session.Store(job);
        await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What to tell the client when the file itself stops the import; null for faults of the server.</summary>
    private static string? FileProblem(Exception exception) => exception switch
    {
        ImportFileException file => file.Message,
        CsvMissingHeadersException => "The file is empty: it needs a header row naming the columns.",
        CsvRecordTooLargeException => $"A record of the file is longer than {MaxRecordChars} characters; check for an unclosed quote.",
        CsvFormatException format => $"The file is not valid CSV near record {format.RowNumber}; check for an unclosed quote.",
        DecoderFallbackException => "The file is not UTF-8 text.",
        _ => null,
    };

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "Import {ImportId} stopped on a server fault")]
    private static partial void LogFault(ILogger logger, Exception exception, string importId);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Import {ImportId} started ({Bytes} bytes)")]
    private static partial void LogStarted(ILogger logger, string importId, long bytes);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information,
        Message = "Import {ImportId} {Status}: {Read} rows read, {Stored} stored, {Failed} failed")]
    private static partial void LogFinished(ILogger logger, string importId, ImportStatus status, int read, int stored, int failed);

    /// <summary>Rows of one batch, with the cells of each kept until the batch's failures are written.</summary>
    private sealed class Batch(int capacity)
    {
        private readonly Dictionary<int, string[]> _cells = new(capacity);

        public List<UpsertRow> Rows { get; } = new(capacity);

        public List<BulkRowError> Unreadable { get; } = [];

        public int Count => _cells.Count;

        public void Add(int row, string[] cells, CustomerCsv map)
        {
            _cells[row] = cells;
            var errors = new List<BulkRowError>();
            var input = map.Read(row, cells, errors);
            if (errors.Count > 0)
            {
                Unreadable.AddRange(errors);
            }
            else
            {
                Rows.Add(new UpsertRow(row, input));
            }
        }

        public string[] CellsOf(int row) => _cells.GetValueOrDefault(row) ?? [];

        public void Clear()
        {
            _cells.Clear();
            Rows.Clear();
            Unreadable.Clear();
        }
    }
}

/// <summary>The uploaded file cannot be imported as it is; the message tells the client why.</summary>
internal sealed class ImportFileException(string message) : Exception(message);
