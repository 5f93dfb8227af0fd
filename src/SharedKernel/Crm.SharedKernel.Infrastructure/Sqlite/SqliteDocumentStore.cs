using System.Diagnostics;
using System.Globalization;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// The embedded engine: one SQLite file in WAL mode, a table of JSON documents per collection, one writer connection
/// doing group commits, and pooled connections for reads that run beside it.
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore, IAsyncDisposable
{
    internal const string OutboxTable = "\"crm.outbox\"";

    private readonly DocumentModel _model;
    private readonly Dictionary<Type, CollectionMap> _maps = [];
    private readonly ReadPool _reads;
    private readonly SqliteWriter _writer;
    private readonly SqliteCheckpointer _checkpointer;
    private readonly SqliteStoreOptions _options;

    public SqliteDocumentStore(DocumentModel model, SqliteStoreOptions options, TimeProvider? time = null, ILogger<SqliteDocumentStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options;
        var path = Path.GetFullPath(options.Path);
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        var timeoutSeconds = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));
        _reads = new ReadPool(
            new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWrite,
                Pooling = false,
                DefaultTimeout = timeoutSeconds,
            }.ToString(),
            maxIdle: Math.Max(4, Environment.ProcessorCount * 2),
            // SQLite waits out a lock itself, since loads by id step their statements without the ADO.NET retry loop.
            onOpen: $"PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};"
                    + (options.ReadMmapSizeMiB > 0 ? $" PRAGMA mmap_size = {options.ReadMmapSizeMiB * 1024L * 1024L};" : string.Empty));
        var writeConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = timeoutSeconds,
        }.ToString();

        foreach (var collection in model.Collections)
        {
            _maps[collection.DocumentType] = new CollectionMap(collection);
        }

        var log = (ILogger?)logger ?? NullLogger.Instance;
        var connection = new SqliteConnection(writeConnectionString);
        try
        {
            connection.Open();
            var synchronous = options.Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
            Execute(connection, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {synchronous};
                PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};
                PRAGMA foreign_keys = OFF;
                PRAGMA temp_store = MEMORY;
                PRAGMA cache_size = -{options.CacheSizeKiB};
                PRAGMA wal_autocheckpoint = {options.WalBackstopPages};
                PRAGMA journal_size_limit = {options.WalBackstopPages * 4096L};
                """);
            Execute(connection, $"""
                CREATE TABLE IF NOT EXISTS {OutboxTable} (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    aggregate_id TEXT NOT NULL,
                    occurred_at TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    dispatched_at TEXT NULL);
                CREATE INDEX IF NOT EXISTS "ix_crm_outbox_pending" ON {OutboxTable} (seq) WHERE dispatched_at IS NULL;
                """);
            foreach (var map in _maps.Values)
            {
                map.EnsureSchema(connection);
            }

            _checkpointer = new SqliteCheckpointer(writeConnectionString, log);
        }
        catch (SqliteException exception)
        {
            connection.Dispose();
            throw SqliteErrors.Map(exception);
        }

        _writer = new SqliteWriter(connection, options, time ?? TimeProvider.System, log, _checkpointer);
        Outbox = new SqliteOutboxStore(this);
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath => Path.GetFullPath(_options.Path);

    internal IOutboxStore Outbox { get; }

    public IDocumentSession OpenSession() => new SqliteSession(this);

    public async Task<BulkWriteResult> BulkWriteAsync<T>(
        IReadOnlyList<T> documents,
        BulkWriteMode mode,
        Func<T, BulkRowOutcome, IIntegrationEvent?>? eventFor = null,
        CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(documents);
        var map = Map(typeof(T));
        var batchSize = Math.Max(1, _options.BulkBatchSize);
        int inserted = 0, updated = 0;
        var errors = new List<BulkWriteError>();
        var inFlight = new Queue<BulkUnit<T>>(2);
        try
        {
            // Two batches in flight: the writer always has the next one queued while this thread serialises another.
            for (var start = 0; start < documents.Count; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var unit = new BulkUnit<T>(map, documents, start, Math.Min(batchSize, documents.Count - start), mode, eventFor, cancellationToken);
                _ = _writer.EnqueueAsync(unit);
                inFlight.Enqueue(unit);
                if (inFlight.Count >= 2)
                {
                    Collect(await Finished(inFlight.Dequeue()).ConfigureAwait(false));
                }
            }

            while (inFlight.Count > 0)
            {
                Collect(await Finished(inFlight.Dequeue()).ConfigureAwait(false));
            }
        }
        finally
        {
            // On failure, let batches already queued finish before reporting, so no task is left unobserved.
            while (inFlight.TryDequeue(out var left))
            {
                await left.Completion.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
                left.Release();
            }
        }

        return new BulkWriteResult(inserted, updated, errors);

        static async Task<BulkUnit<T>> Finished(BulkUnit<T> unit)
        {
            await unit.Completion.ConfigureAwait(false);
            return unit;
        }

        void Collect(BulkUnit<T> done)
        {
            done.Release();
            inserted += done.Inserted;
            updated += done.Updated;
            errors.AddRange(done.Errors);
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = RentRead();
        var command = connection.Command("SELECT 1");
        try
        {
            await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Map(exception);
        }
    }

    /// <summary>Drains queued commits, then closes the writer and the pooled read connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        _checkpointer.Dispose();
        _reads.Dispose();
    }

    internal CollectionMap Map(Type documentType)
    {
        if (_maps.TryGetValue(documentType, out var map))
        {
            return map;
        }

        _model.For(documentType);
        throw new InvalidOperationException(
            $"{documentType.Name} was declared after the store started; declare collections before the store is created.");
    }

    internal Task WriteAsync(WriteUnit unit) => _writer.EnqueueAsync(unit);

    internal ReadConnection RentRead() => _reads.Rent();

    internal static double ElapsedMilliseconds(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
