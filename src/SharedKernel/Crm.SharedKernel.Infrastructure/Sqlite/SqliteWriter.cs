using System.Diagnostics;
using System.Threading.Channels;
using Crm.SharedKernel.Documents;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// The one connection that writes. Callers queue units; the writer takes every unit waiting (up to a limit) and
/// commits them in one transaction, each inside its own savepoint, so one fsync serves many callers and a
/// conflicting unit fails alone.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<WriteUnit> _queue = Channel.CreateUnbounded<WriteUnit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WriteContext _context;
    private readonly RawStatement _begin;
    private readonly RawStatement _commit;
    private readonly RawStatement _rollback;
    private readonly RawStatement _savepoint;
    private readonly RawStatement _release;
    private readonly RawStatement _rollbackToSavepoint;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;
    private Exception? _fault;

    private readonly SqliteCheckpointer _checkpointer;

    public SqliteWriter(SqliteConnection connection, SqliteStoreOptions options, TimeProvider time, ILogger logger, SqliteCheckpointer checkpointer)
    {
        _checkpointer = checkpointer;
        _connection = connection;
        _options = options;
        _logger = logger;
        var db = connection.Handle!;
        _context = new WriteContext(db, time);
        _begin = new RawStatement(db, "BEGIN IMMEDIATE");
        _commit = new RawStatement(db, "COMMIT");
        _rollback = new RawStatement(db, "ROLLBACK");
        _savepoint = new RawStatement(db, "SAVEPOINT unit");
        _release = new RawStatement(db, "RELEASE unit");
        _rollbackToSavepoint = new RawStatement(db, "ROLLBACK TO unit");
        _thread = new Thread(Run) { IsBackground = true, Name = "Crm.Store writer" };
        _thread.Start();
    }

    public Task EnqueueAsync(WriteUnit unit)
    {
        if (!_queue.Writer.TryWrite(unit))
        {
            if (_fault is { } fault)
            {
                throw new StoreUnavailableException("The SQLite store's writer stopped after a fault; restart the process.", fault);
            }

            throw new ObjectDisposedException(nameof(SqliteDocumentStore), "The store is shut down; nothing more can be written.");
        }

        return unit.Completion;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            await _stopped.Task.ConfigureAwait(false);
            return;
        }

        // Completing the queue lets the writer drain what is queued, so a graceful shutdown loses no commit.
        _queue.Writer.TryComplete();
        await _stopped.Task.ConfigureAwait(false);
        _begin.Dispose();
        _commit.Dispose();
        _rollback.Dispose();
        _savepoint.Dispose();
        _release.Dispose();
        _rollbackToSavepoint.Dispose();
        _context.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private void Run()
    {
        var group = new List<WriteUnit>(_options.MaxCommitGroup);
        var reader = _queue.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                group.Clear();
                var weight = 0;
                while (group.Count < _options.MaxCommitGroup && weight < _options.BulkBatchSize && reader.TryRead(out var unit))
                {
                    if (unit.CancellationToken.IsCancellationRequested)
                    {
                        unit.Cancel();
                        continue;
                    }

                    group.Add(unit);
                    weight += unit.Weight;
                }

                if (group.Count > 0)
                {
                    CommitGroup(group, weight);
                }
            }
        }
        catch (Exception exception)
        {
            _logger.LogCritical(exception, "The store's writer stopped");
            _fault = exception;
            _queue.Writer.TryComplete();
            foreach (var unit in group)
            {
                unit.Fail(exception);
            }

            while (reader.TryRead(out var unit))
            {
                unit.Fail(exception);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private void CommitGroup(List<WriteUnit> group, int weight)
    {
        using var activity = StoreTelemetry.Source.StartActivity("store.commit");
        activity?.SetTag("crm.store.group_size", group.Count);
        var started = Stopwatch.GetTimestamp();
        var failures = new Exception?[group.Count];
        try
        {
            _begin.Execute();
        }
        catch (SqliteException exception)
        {
            FailAll(group, SqliteErrors.Map(exception));
            return;
        }

        try
        {
            for (var i = 0; i < group.Count; i++)
            {
                failures[i] = RunInSavepoint(group[i]);
            }

            _commit.Execute();
        }
        catch (Exception exception)
        {
            TryRollback();
            _logger.LogError(exception, "A group commit of {Units} units failed", group.Count);
            FailAll(group, exception is SqliteException sqlite ? SqliteErrors.Map(sqlite) : exception);
            return;
        }

        _checkpointer.Nudge();
        var rows = 0;
        for (var i = 0; i < group.Count; i++)
        {
            if (failures[i] is { } failure)
            {
                group[i].Fail(failure);
                continue;
            }

            rows += group[i].Weight;
            try
            {
                group[i].Committed();
            }
            finally
            {
                group[i].Succeed();
            }
        }

        StoreTelemetry.CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        StoreTelemetry.GroupSize.Record(group.Count);
        StoreTelemetry.RowsWritten.Add(rows);
        activity?.SetTag("crm.store.weight", weight);
    }

    /// <summary>Runs one unit; its own conflict or fault is returned and undone, leaving the rest of the group intact.</summary>
    private Exception? RunInSavepoint(WriteUnit unit)
    {
        _savepoint.Execute();
        try
        {
            unit.Execute(_context);
            _release.Execute();
            return null;
        }
        catch (Exception exception)
        {
            // Undo this unit only. When SQLite has already dropped the whole transaction (I/O error, disk full),
            // the savepoint is gone too and the group fails with the original fault.
            try
            {
                _rollbackToSavepoint.Execute();
                _release.Execute();
            }
            catch (SqliteException rollbackFailure)
            {
                throw exception is SqliteException sqlite
                    ? SqliteErrors.Map(sqlite)
                    : new StoreUnavailableException("A commit failed and could not be undone in part.", rollbackFailure);
            }

            return exception is SqliteException failure ? SqliteErrors.Map(failure) : exception;
        }
    }

    private void TryRollback()
    {
        try
        {
            _rollback.Execute();
        }
        catch (SqliteException exception)
        {
            // Already rolled back by SQLite itself (e.g. after an I/O error); nothing is left to undo.
            _logger.LogDebug(exception, "Rollback after a failed group commit found no open transaction");
        }
    }

    private static void FailAll(List<WriteUnit> group, Exception exception)
    {
        foreach (var unit in group)
        {
            unit.Fail(exception);
        }
    }
}
