namespace Crm.SharedKernel.Infrastructure;

/// <summary>
/// The paging state both engines' queries keep: the keyset cursor, skip and take, checked where they are set or
/// read, so the engines cannot disagree on what a caller may pass.
/// </summary>
internal sealed class QueryPaging
{
    private object?[]? _after;

    public int Skip { get; private set; }

    public int? Take { get; private set; }

    /// <summary>True when a Take(0) asked for nothing: no engine needs to run the query.</summary>
    public bool TakesNothing => Take == 0;

    public void SetAfter(object?[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _after = keys;
    }

    public void SetSkip(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Skip = count;
    }

    public void SetTake(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Take = count;
    }

    /// <summary>
    /// The cursor given to After, or null when there is none: one key per sort key (<paramref name="sortKeys"/>),
    /// then the id of the last row read, which cannot be null.
    /// </summary>
    public object?[]? Keyset(int sortKeys)
    {
        if (_after is null)
        {
            return null;
        }

        if (_after.Length != sortKeys + 1)
        {
            throw new ArgumentException(
                $"After takes the {sortKeys} sort key(s) of the last row read, then its id; it was given {_after.Length} value(s).", "keys");
        }

        if (_after[^1] is null)
        {
            throw new ArgumentException("After takes the sort keys of the last row read, then its id; the id was null.", "keys");
        }

        return _after;
    }
}
