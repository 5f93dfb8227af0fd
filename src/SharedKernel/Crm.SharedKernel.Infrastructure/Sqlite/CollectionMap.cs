using System.Globalization;
using System.Text;
using Crm.SharedKernel.Documents;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>A declared index as a generated column of its collection's table.</summary>
internal sealed record IndexColumn(DocumentPath Path, string Column, string IndexName, bool Unique);

/// <summary>A collection as SQLite sees it: a table of (id, version, doc) and a generated column per declared index.</summary>
internal sealed class CollectionMap
{
    private readonly Dictionary<string, IndexColumn> _byJsonPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IndexColumn> _byColumn = new(StringComparer.Ordinal);

    public CollectionMap(DocumentCollection collection)
    {
        Name = collection.Name;
        DocumentType = collection.DocumentType;
        Table = Quote(collection.Name);
        foreach (var index in collection.Indexes)
        {
            var path = DocumentPath.FromLambda(index.Path);
            if (path.Column is not null)
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

    public IEnumerable<IndexColumn> Indexes => _byJsonPath.Values;

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

    /// <summary>Creates the table and adds missing index columns and indexes; safe to run on every start.</summary>
    public void EnsureSchema(SqliteConnection connection)
    {
        Execute(connection, $"CREATE TABLE IF NOT EXISTS {Table} (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL)");
        var existing = new HashSet<string>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT name FROM pragma_table_xinfo('{Name.Replace("'", "''", StringComparison.Ordinal)}')";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                existing.Add(reader.GetString(0));
            }
        }

        foreach (var index in _byJsonPath.Values)
        {
            if (!existing.Contains(index.Column))
            {
                // Generated columns take no parameters; the path holds code identifiers and declared keys only.
                var path = index.Path.JsonPath.Replace("'", "''", StringComparison.Ordinal);
                Execute(connection, $"ALTER TABLE {Table} ADD COLUMN {Quote(index.Column)} GENERATED ALWAYS AS (json_extract(doc, '{path}')) VIRTUAL");
            }

            var unique = index.Unique ? "UNIQUE " : string.Empty;
            Execute(connection, $"CREATE {unique}INDEX IF NOT EXISTS {Quote(index.IndexName)} ON {Table} ({Quote(index.Column)})");
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
    private readonly List<object?> _values = [];

    public IReadOnlyList<object?> Values => _values;

    public string Add(object? value)
    {
        _values.Add(value);
        return "$p" + (_values.Count - 1).ToString(CultureInfo.InvariantCulture);
    }

    public void BindTo(SqliteCommand command)
    {
        for (var i = 0; i < _values.Count; i++)
        {
            command.Parameters.AddWithValue("$p" + i.ToString(CultureInfo.InvariantCulture), _values[i] ?? DBNull.Value);
        }
    }
}
