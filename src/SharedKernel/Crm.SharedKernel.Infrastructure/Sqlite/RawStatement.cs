using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// A statement prepared once on the writer connection and reused for every row: it binds UTF-8 JSON straight from
/// the serializer's buffer, skipping the string round trip of the ADO.NET layer on the hottest path.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(sqlite3 db, string sql)
    {
        _db = db;
        var rc = raw.sqlite3_prepare_v2(db, sql, out _statement);
        if (rc != raw.SQLITE_OK)
        {
            throw Error(db, rc);
        }
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, string value) => Check(raw.sqlite3_bind_text(_statement, index, value));

    public void BindUtf8(int index, ReadOnlySpan<byte> utf8) => Check(raw.sqlite3_bind_text(_statement, index, utf8));

    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Steps once: true when a row is ready. On error the statement is reset and a <see cref="SqliteException"/> thrown.</summary>
    public bool Step()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        var error = Error(_db, rc);
        raw.sqlite3_reset(_statement);
        throw error;
    }

    /// <summary>Runs to completion and returns the rows changed.</summary>
    public int Execute()
    {
        try
        {
            while (Step())
            {
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Reset() => raw.sqlite3_reset(_statement);

    public long ColumnInt64(int column) => raw.sqlite3_column_int64(_statement, column);

    /// <summary>The column's bytes (UTF-8 for text), valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> ColumnBytes(int column) => raw.sqlite3_column_blob(_statement, column);

    public void Dispose() => _statement.Dispose();

    public static SqliteException Error(sqlite3 db, int rc) =>
        new(raw.sqlite3_errmsg(db).utf8_to_string() ?? $"SQLite error {rc}", rc, raw.sqlite3_extended_errcode(db));

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw Error(_db, rc);
        }
    }
}
