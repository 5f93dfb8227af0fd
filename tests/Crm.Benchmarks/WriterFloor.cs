using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Crm.Benchmarks;

/// <summary>
/// What the storage alone costs a bulk upsert of customers, whatever the code around it: the rows the host stored
/// (documents, the index column values it computed, and the outbox rows with the customers' <c>CustomerCreated</c>
/// events) are copied from its file, after it stopped, into a fresh file with the same schema and settings, by one
/// thread with plain Microsoft.Data.Sqlite, in transactions as large as the store's. SQLite takes one writer at a
/// time, so this is the most any code writing these rows could reach on this machine, and its CPU per customer is
/// the part of the 40 µs (50,000 customers/s on two cores) that no change above the store can win back.
/// </summary>
internal static class WriterFloor
{
    /// <summary>Rows per transaction: the host store's bulk batch.</summary>
    public const int Transaction = 10_000;

    private const string Collection = "\"customers.customers\"";
    private const string Outbox = "\"crm.outbox\"";

    /// <summary>What one replay leaves out or changes, to show what each part of the stored data costs the writer.</summary>
    public sealed record Variant(string Name, bool Events = true, bool SecondaryIndexes = true, int PageSize = 4_096);

    /// <summary>
    /// The host's rows as the host wrote them, then the variants a decision about the design would weigh: the
    /// same rows without their events, without the indexes behind the list endpoint (only the unique email), and
    /// with 16 KiB pages.
    /// </summary>
    public static readonly Variant[] Variants =
    [
        new("as the host stores them"),
        new("without the CustomerCreated events", Events: false),
        new("only the unique email index (no list-endpoint indexes)", SecondaryIndexes: false),
        new("without events and list-endpoint indexes", Events: false, SecondaryIndexes: false),
        new("16 KiB pages", PageSize: 16_384),
    ];

    /// <param name="hostDatabase">The host's file, with the host stopped.</param>
    /// <param name="customers">How many of its newest customers were the timed ones; those before them are written first, untimed.</param>
    public static IReadOnlyList<Row> Replay(string hostDatabase, int customers, string workDirectory)
    {
        var data = Read(hostDatabase, customers);
        return [.. Variants.Select(variant => Replay(data, customers, variant, workDirectory))];
    }

    private static Row Replay(
        (List<string> Schema, List<string> Columns, List<object?[]> Rows, List<(int Events, string Payload)> Batches) data,
        int customers,
        Variant variant,
        string workDirectory)
    {
        var (schema, columns, rows, batches) = data;
        var path = Path.Combine(workDirectory, "floor.db");
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }

        using var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        target.Open();
        // The host's settings, less its automatic checkpoints: the host runs them on a thread of their own, and
        // their cost is measured apart below.
        Execute(target, $"PRAGMA page_size = {variant.PageSize}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 0;");
        foreach (var statement in schema.Where(sql => variant.SecondaryIndexes || !sql.StartsWith("CREATE INDEX", StringComparison.OrdinalIgnoreCase)))
        {
            Execute(target, statement);
        }

        Execute(target, $"CREATE TABLE {Outbox} (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, event_type TEXT NOT NULL, aggregate_id TEXT NOT NULL, occurred_at TEXT NOT NULL, payload TEXT NOT NULL, dispatched_at TEXT NULL)");
        Execute(target, $"CREATE INDEX ix_crm_outbox_pending ON {Outbox} (seq) WHERE dispatched_at IS NULL");

        using var insert = target.CreateCommand();
        insert.CommandText = $"INSERT INTO {Collection} ({string.Join(", ", columns.Select(Quote))}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        var parameters = columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
        using var outbox = target.CreateCommand();
        outbox.CommandText = $"INSERT INTO {Outbox} (event_id, event_type, aggregate_id, occurred_at, payload) VALUES ($id, 'crm.outbox.batch', '', '', $payload)";
        var eventId = outbox.Parameters.Add(new SqliteParameter("$id", null));
        var payload = outbox.Parameters.Add(new SqliteParameter("$payload", null));

        var untimed = rows.Count - customers;
        Write(0, untimed, []);
        Execute(target, "PRAGMA wal_checkpoint(TRUNCATE)");

        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var seconds = Report.Time(() => Write(untimed, customers, variant.Events ? batches : []));
        process.Refresh();
        var cpuPerCustomer = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / customers;
        // What the host's checkpointer thread then spends copying these pages into the file.
        var checkpointBefore = process.TotalProcessorTime;
        Execute(target, "PRAGMA wal_checkpoint(TRUNCATE)");
        process.Refresh();
        var checkpointPerCustomer = (process.TotalProcessorTime - checkpointBefore).TotalMicroseconds / customers;
        Console.WriteLine($"  storage floor, {variant.Name}: {customers:N0} customers' rows written again by one thread in {seconds:N2} s; {cpuPerCustomer:N1} µs of CPU each, then {checkpointPerCustomer:N1} µs to checkpoint");
        return new Row(
            $"{variant.Name}: the same {customers:N0} customers' rows, plain SQLite, one thread, {Transaction:N0} a transaction",
            Report.Rate(customers / seconds, "customers/s"),
            cpuPerCustomer.ToString("N1", CultureInfo.InvariantCulture) + " µs",
            checkpointPerCustomer.ToString("N1", CultureInfo.InvariantCulture) + " µs",
            ((cpuPerCustomer + checkpointPerCustomer) / 40).ToString("0%", CultureInfo.InvariantCulture),
            null);

        void Write(int start, int count, IReadOnlyList<(int Events, string Payload)> events)
        {
            var nextBatch = 0;
            var covered = 0;
            for (var first = start; first < start + count; first += Transaction)
            {
                using var transaction = target.BeginTransaction();
                insert.Transaction = transaction;
                outbox.Transaction = transaction;
                var end = Math.Min(first + Transaction, start + count);
                for (var i = first; i < end; i++)
                {
                    for (var c = 0; c < parameters.Length; c++)
                    {
                        parameters[c].Value = rows[i][c] ?? DBNull.Value;
                    }

                    insert.ExecuteNonQuery();
                }

                // The host writes a batch's events in the transaction of its documents.
                while (nextBatch < events.Count && covered < end - start)
                {
                    eventId.Value = Guid.NewGuid().ToString("N");
                    payload.Value = events[nextBatch].Payload;
                    outbox.ExecuteNonQuery();
                    covered += events[nextBatch++].Events;
                }

                transaction.Commit();
            }
        }
    }

    /// <summary>The collection's schema, its columns, every row in insert order, and the outbox rows of the newest <paramref name="customers"/> customers' events.</summary>
    private static (List<string> Schema, List<string> Columns, List<object?[]> Rows, List<(int Events, string Payload)> Batches) Read(string hostDatabase, int customers)
    {
        using var source = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = hostDatabase, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        source.Open();
        var schema = Strings(source, $"SELECT sql FROM sqlite_master WHERE tbl_name = 'customers.customers' AND sql IS NOT NULL ORDER BY type = 'index', name");
        var columns = Strings(source, "SELECT name FROM pragma_table_info('customers.customers') ORDER BY cid");
        var rows = new List<object?[]>();
        using (var command = source.CreateCommand())
        {
            command.CommandText = $"SELECT {string.Join(", ", columns.Select(Quote))} FROM {Collection} ORDER BY rowid";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var values = new object?[columns.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(values);
            }
        }

        if (rows.Count < customers)
        {
            throw new InvalidOperationException($"The host stored {rows.Count:N0} customers, fewer than the {customers:N0} timed ones.");
        }

        // The newest batch rows whose first event is a CustomerCreated, back to as many events as timed customers.
        var batches = new List<(int Events, string Payload)>();
        using (var command = source.CreateCommand())
        {
            command.CommandText = $"""
                SELECT json_array_length(payload), payload FROM {Outbox}
                WHERE event_type = 'crm.outbox.batch' AND json_extract(payload, '$[0].type') LIKE '%CustomerCreated%'
                ORDER BY seq DESC
                """;
            using var reader = command.ExecuteReader();
            var events = 0;
            while (events < customers && reader.Read())
            {
                batches.Add((reader.GetInt32(0), reader.GetString(1)));
                events += reader.GetInt32(0);
            }
        }

        batches.Reverse();
        return (schema, columns, rows, batches);
    }

    private static List<string> Strings(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
