using System.Linq.Expressions;

namespace Crm.SharedKernel.Documents;

/// <summary>
/// A query over one collection. Predicates use the subset in docs/document-port.md: member paths (nested
/// properties, dictionary values by key, list elements by position), comparisons with constants or captured values, &amp;&amp;, ||, !,
/// <c>string.StartsWith(string)</c>, <c>string.Contains(string)</c> and <c>string.EndsWith(string)</c> (ordinal),
/// <c>Enumerable.Contains</c> over a captured collection or an array field, and null checks. Anything else fails fast with <see cref="UnsupportedQueryException"/> naming the construct.
/// Results are always ordered: by the given keys, then by id, so paging is stable.
/// </summary>
public interface IDocumentQuery<T>
    where T : class, IDocument
{
    IDocumentQuery<T> Where(Expression<Func<T, bool>> predicate);

    IDocumentQuery<T> OrderBy<TKey>(Expression<Func<T, TKey>> key);

    IDocumentQuery<T> OrderByDescending<TKey>(Expression<Func<T, TKey>> key);

    /// <summary>
    /// Keyset paging: only documents after the row whose sort keys are <paramref name="keys"/>, given in the order
    /// of the OrderBy calls, followed by that row's id.
    /// </summary>
    IDocumentQuery<T> After(params object?[] keys);

    IDocumentQuery<T> Skip(int count);

    IDocumentQuery<T> Take(int count);

    Task<IReadOnlyList<T>> ToListAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TResult>> SelectAsync<TResult>(Expression<Func<T, TResult>> projection, CancellationToken cancellationToken = default);

    Task<T?> FirstOrDefaultAsync(CancellationToken cancellationToken = default);

    /// <summary>Counts the matching documents; skip and take are ignored.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Streams the matching documents without holding them all in memory.</summary>
    IAsyncEnumerable<T> StreamAsync(CancellationToken cancellationToken = default);
}
