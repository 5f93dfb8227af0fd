using System.Diagnostics;
using System.Linq.Expressions;
using System.Text;
using Crm.SharedKernel.Documents;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>A query over one collection, translated to SQL when it runs. Always ordered: the given keys, then id.</summary>
internal sealed class SqliteQuery<T>(SqliteDocumentStore store, CollectionMap map) : IDocumentQuery<T>
    where T : class, IDocument
{
    /// <summary>Up to this many rows a projection is interpreted rather than compiled.</summary>
    private const int InterpretedProjectionRows = 64;

    private readonly List<LambdaExpression> _predicates = [];
    private readonly List<(DocumentPath Path, bool Descending)> _orders = [];
    private readonly QueryPaging _paging = new();

    public IDocumentQuery<T> Where(Expression<Func<T, bool>> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        _predicates.Add(predicate);
        return this;
    }

    public IDocumentQuery<T> OrderBy<TKey>(Expression<Func<T, TKey>> key)
    {
        _orders.Add((DocumentPath.FromLambda(key), false));
        return this;
    }

    public IDocumentQuery<T> OrderByDescending<TKey>(Expression<Func<T, TKey>> key)
    {
        _orders.Add((DocumentPath.FromLambda(key), true));
        return this;
    }

    public IDocumentQuery<T> After(params object?[] keys)
    {
        _paging.SetAfter(keys);
        return this;
    }

    public IDocumentQuery<T> Skip(int count)
    {
        _paging.SetSkip(count);
        return this;
    }

    public IDocumentQuery<T> Take(int count)
    {
        _paging.SetTake(count);
        return this;
    }

    public Task<IReadOnlyList<T>> ToListAsync(CancellationToken cancellationToken = default) => ReadAsync(_paging.Take, cancellationToken);

    public async Task<IReadOnlyList<TResult>> SelectAsync<TResult>(Expression<Func<T, TResult>> projection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projection);
        var documents = await ToListAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<TResult>(documents.Count);
        if (documents.Count == 0)
        {
            return results;
        }

        // Compiling emits a dynamic method that the finalizer thread must destroy later: under event handlers that
        // project a few rows per event this cost more than the queries. A few rows are interpreted instead.
        var project = projection.Compile(preferInterpretation: documents.Count <= InterpretedProjectionRows);
        foreach (var document in documents)
        {
            results.Add(project(document));
        }

        return results;
    }

    public async Task<T?> FirstOrDefaultAsync(CancellationToken cancellationToken = default)
    {
        var documents = await ReadAsync(Math.Min(_paging.Take ?? 1, 1), cancellationToken).ConfigureAwait(false);
        return documents.Count == 0 ? null : documents[0];
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var parameters = new SqlParameters();
        var sql = new StringBuilder("SELECT COUNT(*) FROM ").Append(map.Table);
        AppendWhere(sql, parameters);
        using var activity = StoreTelemetry.StartQuery(sql.ToString());
        using var connection = store.RentRead();
        var command = connection.Command(sql.ToString(), parameters);
        try
        {
            var count = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            StoreTelemetry.QueryDuration.Record(SqliteDocumentStore.ElapsedMilliseconds(started));
            return count;
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Map(exception);
        }
    }

    public IAsyncEnumerable<T> StreamAsync(CancellationToken cancellationToken = default)
    {
        var parameters = new SqlParameters();
        var sql = BuildSelect(parameters, _paging.Take);
        return SqliteSession.StreamAsync<T>(store, sql, parameters, cancellationToken);
    }

    /// <summary>The SQL text, for tests that check a query uses an index.</summary>
    internal string ToSql(SqlParameters parameters) => BuildSelect(parameters, _paging.Take);

    private Task<IReadOnlyList<T>> ReadAsync(int? take, CancellationToken cancellationToken)
    {
        try
        {
            var parameters = new SqlParameters();
            var sql = BuildSelect(parameters, take);
            return Task.FromResult<IReadOnlyList<T>>(SqliteSession.Read<T>(store, sql, parameters, cancellationToken));
        }
        catch (Exception exception)
        {
            return SqliteSession.Faulted<IReadOnlyList<T>>(exception);
        }
    }

    private string BuildSelect(SqlParameters parameters, int? take)
    {
        var sql = new StringBuilder("SELECT version, doc FROM ").Append(map.Table);
        AppendWhere(sql, parameters);
        sql.Append(" ORDER BY ");
        foreach (var (path, descending) in _orders)
        {
            sql.Append(map.ColumnFor(path, parameters)).Append(descending ? " DESC, " : ", ");
        }

        sql.Append("id");
        if (take is not null || _paging.Skip > 0)
        {
            sql.Append(" LIMIT ").Append(parameters.Add((long)(take ?? -1)));
            if (_paging.Skip > 0)
            {
                sql.Append(" OFFSET ").Append(parameters.Add((long)_paging.Skip));
            }
        }

        return sql.ToString();
    }

    private void AppendWhere(StringBuilder sql, SqlParameters parameters)
    {
        var conditions = new List<string>(_predicates.Count + 1);
        foreach (var predicate in _predicates)
        {
            conditions.Add(SqlTranslator.Translate(predicate, map, parameters));
        }

        if (_paging.Keyset(_orders.Count) is { } keys)
        {
            conditions.Add(Keyset(keys, parameters));
        }

        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").Append(string.Join(" AND ", conditions));
        }
    }

    /// <summary>
    /// Rows strictly after the given sort keys and id, in the query's order. NULL sorts first ascending and last
    /// descending (as in SQLite and MongoDB), which the comparisons below spell out.
    /// </summary>
    private string Keyset(object?[] keys, SqlParameters parameters)
    {
        var alternatives = new List<string>();
        var equalities = new List<string>();
        for (var i = 0; i <= _orders.Count; i++)
        {
            string column;
            bool descending;
            object? value;
            if (i < _orders.Count)
            {
                column = map.ColumnFor(_orders[i].Path, parameters);
                descending = _orders[i].Descending;
                value = SqlValue.From(keys[i]);
            }
            else
            {
                column = "id";
                descending = false;
                value = keys[i];
            }

            var after = After(column, descending, value, parameters);
            if (after is not null)
            {
                alternatives.Add(equalities.Count == 0 ? after : "(" + string.Join(" AND ", equalities) + " AND " + after + ")");
            }

            equalities.Add(value is null ? column + " IS NULL" : column + " = " + parameters.Add(value));
        }

        return alternatives.Count == 0 ? "0" : "(" + string.Join(" OR ", alternatives) + ")";
    }

    private static string? After(string column, bool descending, object? value, SqlParameters parameters)
    {
        if (value is null)
        {
            return descending ? null : column + " IS NOT NULL";
        }

        var parameter = parameters.Add(value);
        return descending ? "(" + column + " < " + parameter + " OR " + column + " IS NULL)" : column + " > " + parameter;
    }
}
