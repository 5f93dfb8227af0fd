using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// Open read connections, each keeping its prepared commands by SQL text. Queries bind values as parameters, so
/// their text repeats and a repeated read skips SQLite's parse and plan (ADO.NET pooling alone re-prepares each time).
/// </summary>
internal sealed class ReadPool(string connectionString, int maxIdle) : IDisposable
{
    private readonly ConcurrentBag<ReadConnection> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    public async ValueTask<ReadConnection> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var pooled))
        {
            Interlocked.Decrement(ref _idleCount);
            return pooled;
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException exception)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw SqliteErrors.Map(exception);
        }

        return new ReadConnection(this, connection);
    }

    public void Return(ReadConnection connection)
    {
        if (!_disposed && Interlocked.Increment(ref _idleCount) <= maxIdle)
        {
            _idle.Add(connection);
            if (!_disposed)
            {
                return;
            }
        }
        else
        {
            Interlocked.Decrement(ref _idleCount);
        }

        connection.Close();
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var connection))
        {
            connection.Close();
        }
    }
}

/// <summary>A rented read connection; disposing it hands it back to the pool.</summary>
internal sealed class ReadConnection(ReadPool pool, SqliteConnection connection) : IAsyncDisposable
{
    private const int MaxCommands = 256;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>The cached command for <paramref name="sql"/>, with <paramref name="parameters"/> bound.</summary>
    public SqliteCommand Command(string sql, SqlParameters? parameters = null)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            if (_commands.Count >= MaxCommands)
            {
                DisposeCommands();
            }

            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }

        command.Parameters.Clear();
        parameters?.BindTo(command);
        return command;
    }

    public ValueTask DisposeAsync()
    {
        pool.Return(this);
        return ValueTask.CompletedTask;
    }

    internal void Close()
    {
        DisposeCommands();
        connection.Dispose();
    }

    private void DisposeCommands()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }
}
