using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// Open read connections, each keeping its prepared commands by SQL text. Queries bind values as parameters, so
/// their text repeats and a repeated read skips SQLite's parse and plan (ADO.NET pooling alone re-prepares each time).
/// </summary>
internal sealed class ReadPool(string connectionString, int maxIdle, string? onOpen = null) : IDisposable
{
    private readonly ConcurrentBag<ReadConnection> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    /// <summary>A connection, opened if none is idle. SQLite opens in-process, so this never waits on a network.</summary>
    public ReadConnection Rent()
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
            connection.Open();
            if (onOpen is not null)
            {
                using var command = connection.CreateCommand();
                command.CommandText = onOpen;
                command.ExecuteNonQuery();
            }
        }
        catch (SqliteException exception)
        {
            connection.Dispose();
            throw SqliteErrors.Map(exception);
        }

        return new ReadConnection(this, connection);
    }

    public void Return(ReadConnection connection)
    {
        if (!_disposed)
        {
            if (Interlocked.Increment(ref _idleCount) <= maxIdle)
            {
                _idle.Add(connection);

                // Dispose may have emptied the pool just before this add. Closing only what is taken out of the bag
                // closes each connection once, even when Dispose drains it at the same time.
                if (_disposed)
                {
                    CloseIdle();
                }

                return;
            }

            Interlocked.Decrement(ref _idleCount);
        }

        connection.Close();
    }

    public void Dispose()
    {
        _disposed = true;
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Close();
        }
    }
}

/// <summary>A rented read connection; disposing it hands it back to the pool.</summary>
internal sealed class ReadConnection(ReadPool pool, SqliteConnection connection) : IDisposable, IAsyncDisposable
{
    private const int MaxCommands = 256;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RawStatement> _statements = new(StringComparer.Ordinal);

    /// <summary>
    /// The cached raw statement for <paramref name="sql"/>: for the hottest reads, whose rows are deserialised
    /// straight from SQLite's buffer. The caller resets it after use.
    /// </summary>
    public RawStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new RawStatement(connection.Handle!, sql);
            _statements[sql] = statement;
        }

        return statement;
    }

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

    public void Dispose() => pool.Return(this);

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
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
    }
}
