using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// Copies the WAL back into the database file on its own thread and connection. In WAL mode with
/// synchronous=NORMAL the checkpoint is where the fsyncs happen; left to the writer (SQLite's auto-checkpoint) it
/// stalls every commit group behind it, measured here at half the update throughput. The writer keeps a far
/// larger auto-checkpoint as a backstop, which bounds the WAL when writes never pause.
/// </summary>
internal sealed class SqliteCheckpointer : IDisposable
{
    private const int BusyFrames = 1_000;
    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private readonly AutoResetEvent _committed = new(false);
    private readonly ManualResetEvent _stopping = new(false);
    private readonly Thread _thread;
    private int _disposed;

    public SqliteCheckpointer(string connectionString, ILogger logger)
    {
        _logger = logger;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _thread = new Thread(Run) { IsBackground = true, Name = "Crm.Store checkpointer" };
        _thread.Start();
    }

    /// <summary>Called by the writer after a commit: there are frames to copy.</summary>
    public void Nudge() => _committed.Set();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Set();
        _thread.Join();
        _connection.Dispose();
        _committed.Dispose();
        _stopping.Dispose();
    }

    private void Run()
    {
        var handles = new WaitHandle[] { _stopping, _committed };
        while (WaitHandle.WaitAny(handles) == 1)
        {
            var rc = raw.sqlite3_wal_checkpoint_v2(_connection.Handle!, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out var frames, out _);
            if (rc != raw.SQLITE_OK && rc != raw.SQLITE_BUSY)
            {
                _logger.LogWarning("WAL checkpoint returned SQLite code {Code}", rc);
            }

            // Let frames gather between checkpoints: fewer fsyncs, and a page written often is copied once.
            if (_stopping.WaitOne(frames >= BusyFrames ? 20 : 200))
            {
                return;
            }
        }
    }
}
