using System.Globalization;
using System.Text;
using Crm.SharedKernel.Documents;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>A declared index: a column of its collection's table holding <c>json_extract(doc, path)</c>, and an index on it.</summary>
internal sealed record IndexColumn(DocumentPath Path, string Column, string IndexName, bool Unique)
{
    /// <summary>The path as a SQL literal (declared by code, so it is written into statements, quotes doubled).</summary>
    public string PathLiteral { get; } = "'" + Path.JsonPath.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>
/// A collection as SQLite sees it: a table of (id, version, doc) and a column per declared index.
/// The index columns are plain columns that every write statement fills with <c>json_extract</c> of the document
/// it writes, rather than generated columns: SQLite rewrites the index entries of every generated column whose
/// source changed, and the source is always the whole document, so a patch of one counter used to rewrite every
/// index of the document. Measured on customer documents with four indexes: 11-13k patched updates/s with generated
/// columns, 47-60k/s with maintained columns a patch touches only when it changes their path.
/// </summary>
internal sealed class CollectionMap
{
    private readonly Dictionary<string, IndexColumn> _byJsonPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IndexColumn> _byColumn = new(StringComparer.Ordinal);
    private const int MaxMaskedColumns = 62;
    private readonly List<IndexColumn> _maintained = [];

    public CollectionMap(DocumentCollection collection)
    {
        Name = collection.Name;
        DocumentType = collection.DocumentType;
        Table = Quote(collection.Name);
        LoadSql = $"SELECT version, doc FROM {Table} WHERE id = $p0";
        LoadManySql = $"SELECT version, doc FROM {Table} WHERE id IN (SELECT value FROM json_each($p0))";
        foreach (var index in collection.Indexes)
        {
            var path = DocumentPath.FromLambda(index.Path);
            // An array's index is a multikey index on MongoDB. SQLite has none: a column would hold the array's JSON
            // text, which no query can use (Contains reads the document's array), and would only cost every write.
            if (path.Column is not null || DocumentPath.IsArrayType(path.Type))
            {
                continue;
            }

            var column = ColumnName(path.JsonPath);
            var indexName = (index.Unique ? "ux_" : "ix_") + collection.Name.Replace('.', '_') + "_" + column[3..];
            var indexColumn = new IndexColumn(path, column, indexName, index.Unique);
            if (_byJsonPath.TryGetValue(path.JsonPath, out var existing) && existing.Unique)
            {
                continue;
            }

            _byJsonPath[path.JsonPath] = indexColumn;
            _byColumn[column] = indexColumn;
        }
    }

    public string Name { get; }

    public Type DocumentType { get; }

    /// <summary>The quoted table name, e.g. <c>"customers.customers"</c>.</summary>
    public string Table { get; }

    /// <summary>The index columns the write statements fill, in a fixed order (a patch's mask is over this list).</summary>
    public IReadOnlyList<IndexColumn> Maintained => _maintained;

    /// <summary>Reads one document by id, bound as $p0.</summary>
    public string LoadSql { get; }

    /// <summary>Reads the documents whose ids are in the JSON array bound as $p0.</summary>
    public string LoadManySql { get; }

    /// <summary>The SQL that reads <paramref name="path"/>: its column, its generated index column, or json_extract.</summary>
    public string ColumnFor(DocumentPath path, SqlParameters parameters)
    {
        if (path.Column is not null)
        {
            return path.Column;
        }

        if (_byJsonPath.TryGetValue(path.JsonPath, out var index))
        {
            return Quote(index.Column);
        }

        return "json_extract(doc, " + PathArgument(path, parameters) + ")";
    }

    /// <summary>The JSON path as SQL: a literal when it holds only identifiers, else a bound parameter.</summary>
    public static string PathArgument(DocumentPath path, SqlParameters parameters) =>
        path.IsLiteralSafe ? "'" + path.JsonPath + "'" : parameters.Add(path.JsonPath);

    public IndexColumn? IndexByColumn(string column) => _byColumn.GetValueOrDefault(column);

    /// <summary>
    /// The maintained columns a change at <paramref name="segments"/> can alter: those whose path is the changed
    /// path, inside it, or contains it. Bit i stands for <see cref="Maintained"/>[i]; beyond 64 columns, all.
    /// </summary>
    public ulong AffectedBy(IReadOnlyList<object> segments)
    {
        if (_maintained.Count > MaxMaskedColumns)
        {
            return ulong.MaxValue;
        }

        var mask = 0UL;
        for (var i = 0; i < _maintained.Count; i++)
        {
            var indexed = _maintained[i].Path.Segments;
            var shared = Math.Min(indexed.Count, segments.Count);
            var overlaps = true;
            for (var j = 0; j < shared && overlaps; j++)
            {
                overlaps = Equals(indexed[j], segments[j]);
            }

            if (overlaps)
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    /// <summary>
    /// A SQL expression over the stored row and the new document bound as ?2: the mask of maintained columns whose
    /// value the new document changes, so a replace rewrites only those indexes.
    /// </summary>
    public string ChangedColumnsSql()
    {
        // Without a ?2 in the text the probe binds only the id (see ProbeReadsDocument).
        if (_maintained.Count == 0)
        {
            return "0";
        }

        if (_maintained.Count > MaxMaskedColumns)
        {
            return "-1";
        }

        var sql = new StringBuilder();
        for (var i = 0; i < _maintained.Count; i++)
        {
            sql.Append(i == 0 ? "(" : " | (")
                .Append('(').Append(Quote(_maintained[i].Column)).Append(" IS NOT json_extract(?2, ").Append(_maintained[i].PathLiteral).Append("))")
                .Append(" << ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(')');
        }

        return sql.ToString();
    }

    /// <summary>Whether <see cref="ChangedColumnsSql"/> reads the new document (?2).</summary>
    public bool ProbeReadsDocument => _maintained.Count is > 0 and <= MaxMaskedColumns;

    /// <summary><c>, "ix_a" = json_extract(?2, '$.a')</c> for each maintained column in <paramref name="mask"/>.</summary>
    public string Assignments(ulong mask)
    {
        var sql = new StringBuilder();
        for (var i = 0; i < _maintained.Count; i++)
        {
            if (i >= MaxMaskedColumns ? mask == ulong.MaxValue : (mask & (1UL << i)) != 0)
            {
                sql.Append(", ").Append(Quote(_maintained[i].Column)).Append(" = json_extract(?2, ").Append(_maintained[i].PathLiteral).Append(')');
            }
        }

        return sql.ToString();
    }

    /// <summary>The insert: ?1 id, ?2 doc; the maintained columns computed from ?2.</summary>
    public string InsertSql()
    {
        var columns = new StringBuilder("id, version, doc");
        var values = new StringBuilder("?1, 1, ?2");
        foreach (var index in _maintained)
        {
            columns.Append(", ").Append(Quote(index.Column));
            values.Append(", json_extract(?2, ").Append(index.PathLiteral).Append(')');
        }

        return $"INSERT INTO {Table} ({columns}) VALUES ({values})";
    }

    /// <summary>Creates the table and adds missing index columns and indexes; safe to run on every start.</summary>
    public void EnsureSchema(SqliteConnection connection)
    {
        Execute(connection, $"CREATE TABLE IF NOT EXISTS {Table} (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL)");
        var existing = ReadColumns(connection);
        DropUndeclared(connection, existing);
        _maintained.Clear();
        foreach (var index in _byJsonPath.Values)
        {
            if (!existing.TryGetValue(index.Column, out var generated))
            {
                // A new index on existing data: add the column and fill it once.
                Execute(connection, $"ALTER TABLE {Table} ADD COLUMN {Quote(index.Column)}");
                Execute(connection, $"UPDATE {Table} SET {Quote(index.Column)} = json_extract(doc, {index.PathLiteral})");
                generated = false;
            }

            // A generated column from an older file keeps working; SQLite fills it, so writes leave it out.
            if (!generated)
            {
                _maintained.Add(index);
            }

            var unique = index.Unique ? "UNIQUE " : string.Empty;
            Execute(connection, $"CREATE {unique}INDEX IF NOT EXISTS {Quote(index.IndexName)} ON {Table} ({Quote(index.Column)})");
        }
    }

    /// <summary>Column name to whether SQLite generates it.</summary>
    private Dictionary<string, bool> ReadColumns(SqliteConnection connection)
    {
        var columns = new Dictionary<string, bool>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, hidden FROM pragma_table_xinfo($table)";
        command.Parameters.AddWithValue("$table", Name);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            columns[reader.GetString(0)] = reader.GetInt64(1) is 2 or 3;
        }

        return columns;
    }

    /// <summary>
    /// Drops the indexes and columns this store made for declarations a module no longer makes: a unique index left
    /// behind would still refuse writes, and a column no longer filled would hold stale values if declared again.
    /// </summary>
    private void DropUndeclared(SqliteConnection connection, Dictionary<string, bool> columns)
    {
        var declared = _byJsonPath.Values.Select(i => i.IndexName).ToHashSet(StringComparer.Ordinal);
        var prefix = Name.Replace('.', '_') + "_";
        var stale = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM pragma_index_list($table)";
            command.Parameters.AddWithValue("$table", Name);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var index = reader.GetString(0);
                if ((index.StartsWith("ix_" + prefix, StringComparison.Ordinal) || index.StartsWith("ux_" + prefix, StringComparison.Ordinal))
                    && !declared.Contains(index))
                {
                    stale.Add(index);
                }
            }
        }

        foreach (var index in stale)
        {
            Execute(connection, $"DROP INDEX IF EXISTS {Quote(index)}");
        }

        foreach (var column in columns.Keys.ToList())
        {
            if (column.StartsWith("ix_", StringComparison.Ordinal) && !_byColumn.ContainsKey(column))
            {
                Execute(connection, $"ALTER TABLE {Table} DROP COLUMN {Quote(column)}");
                columns.Remove(column);
            }
        }
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A readable, stable column name per path; a hash keeps two paths that read alike apart.</summary>
    private static string ColumnName(string jsonPath)
    {
        var builder = new StringBuilder("ix_");
        foreach (var c in jsonPath.AsSpan(2))
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }

        var readable = builder.ToString().TrimEnd('_');
        return readable.Length > 3 && IsPlain(jsonPath)
            ? readable
            : readable + "_" + Fnv(jsonPath).ToString("x8", CultureInfo.InvariantCulture);
    }

    private static bool IsPlain(string jsonPath)
    {
        foreach (var c in jsonPath.AsSpan(2))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '.')
            {
                return false;
            }
        }

        return true;
    }

    private static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}

/// <summary>Positional parameters of one SQL statement, named $p0, $p1, ...</summary>
internal sealed class SqlParameters
{
    private static readonly string[] Names = Enumerable.Range(0, 32).Select(i => "$p" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
    private readonly List<object?> _values = [];

    public IReadOnlyList<object?> Values => _values;

    public string Add(object? value)
    {
        _values.Add(value);
        return NameOf(_values.Count - 1);
    }

    public void BindTo(SqliteCommand command)
    {
        for (var i = 0; i < _values.Count; i++)
        {
            command.Parameters.AddWithValue(NameOf(i), _values[i] ?? DBNull.Value);
        }
    }

    private static string NameOf(int index) =>
        index < Names.Length ? Names[index] : "$p" + index.ToString(CultureInfo.InvariantCulture);
}
