using System.Text.Json;
using Crm.SharedKernel.Infrastructure.Serialization;
using Microsoft.Data.Sqlite;

namespace Crm.Benchmarks;

/// <summary>
/// The same work done the plain way: Microsoft.Data.Sqlite, prepared statements, the same table shape and JSON,
/// one connection per writer and SQLite's own locking. Its figures are the yardstick for the port's overhead.
/// </summary>
internal sealed class PlainSqlite : IDisposable
{
    private const string Table = "\"bench.customers\"";
    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly SqliteConnection _connection;

    public PlainSqlite(string path, string synchronous)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        _synchronous = synchronous;
        _connection = Open();
        Execute(_connection, $"CREATE TABLE IF NOT EXISTS {Table} (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL)");
        Execute(_connection, $"ALTER TABLE {Table} ADD COLUMN ix_email GENERATED ALWAYS AS (json_extract(doc, '$.email')) VIRTUAL");
        Execute(_connection, $"ALTER TABLE {Table} ADD COLUMN ix_profile_city GENERATED ALWAYS AS (json_extract(doc, '$.profile.city')) VIRTUAL");
        Execute(_connection, $"CREATE UNIQUE INDEX ux_email ON {Table} (ix_email)");
        Execute(_connection, $"CREATE INDEX ix_city ON {Table} (ix_profile_city)");
    }

    public void Insert(IReadOnlyList<BenchCustomer> customers, int batchSize)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"INSERT INTO {Table} (id, version, doc) VALUES ($id, 1, $doc)";
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var doc = command.Parameters.Add("$doc", SqliteType.Text);
        for (var start = 0; start < customers.Count; start += batchSize)
        {
            using var transaction = _connection.BeginTransaction();
            command.Transaction = transaction;
            command.Prepare();
            var end = Math.Min(start + batchSize, customers.Count);
            for (var i = start; i < end; i++)
            {
                id.Value = customers[i].Id;
                doc.Value = JsonSerializer.Serialize(customers[i], CrmJson.Options);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    public int LoadById(IReadOnlyList<string> ids)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT doc FROM {Table} WHERE id = $id";
        var id = command.Parameters.Add("$id", SqliteType.Text);
        command.Prepare();
        var found = 0;
        foreach (var value in ids)
        {
            id.Value = value;
            if (command.ExecuteScalar() is string json && JsonSerializer.Deserialize<BenchCustomer>(json, CrmJson.Options) is not null)
            {
                found++;
            }
        }

        return found;
    }

    /// <summary>Each writer owns a connection and commits every update on its own, waiting on SQLite's lock.</summary>
    public void ConcurrentIncrements(IReadOnlyList<string> ids, int writers)
    {
        var perWriter = ids.Count / writers;
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, writer =>
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText =
                $"UPDATE {Table} SET doc = json_set(doc, '$.behaviour.visitCount', json_extract(doc, '$.behaviour.visitCount') + 1), version = version + 1 WHERE id = $id";
            var id = command.Parameters.Add("$id", SqliteType.Text);
            command.Prepare();
            for (var i = writer * perWriter; i < (writer + 1) * perWriter; i++)
            {
                id.Value = ids[i];
                command.ExecuteNonQuery();
            }
        });
    }

    public long CountByCity(string city) => Count($"SELECT COUNT(*) FROM {Table} WHERE ix_profile_city = $v", city);

    public long CountByCountry(string country) => Count($"SELECT COUNT(*) FROM {Table} WHERE json_extract(doc, '$.profile.country') = $v", country);

    public void Dispose() => _connection.Dispose();

    private long Count(string sql, string value)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$v", value);
        return (long)command.ExecuteScalar()!;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL");
        Execute(connection, $"PRAGMA synchronous = {_synchronous}");
        Execute(connection, "PRAGMA busy_timeout = 30000");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
