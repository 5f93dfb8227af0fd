namespace Crm.Modules.Segments.Audience;

/// <summary>
/// Every linked order's instant, amount and whether it counts, as columns, with a chain per customer row so a status
/// change finds its order. Amounts are whole millionths of the base currency, so window sums are exact integers.
/// Order-window conditions sum this table per row in one pass.
/// </summary>
internal sealed class OrderTable
{
    public const decimal MicrosPerUnit = 1_000_000m;

    private int[] _row = [];
    private long[] _at = [];
    private long[] _micros = [];
    private bool[] _counted = [];
    private int[] _key = [];
    private int[] _next = [];

    public int Count { get; private set; }

    /// <summary>The first order of each customer row; -1 for none.</summary>
    public ValueColumn<int> First { get; } = new(-1);

    public long Bytes => First.Bytes + ((long)_row.Length * (sizeof(int) * 3 + sizeof(long) * 2 + sizeof(bool)));

    public void Resize(int customerCapacity) => First.Resize(customerCapacity);

    public void Reserve(int orders)
    {
        if (orders > _row.Length)
        {
            Grow(orders);
        }
    }

    public static long MicrosOf(decimal amount) =>
        (long)Math.Round(Math.Clamp(amount, -9_000_000_000_000m, 9_000_000_000_000m) * MicrosPerUnit, MidpointRounding.AwayFromZero);

    public void Upsert(int row, string orderId, DateTimeOffset orderedAt, decimal amount, bool counted)
    {
        var key = orderId.GetHashCode(StringComparison.Ordinal);
        for (var i = First[row]; i >= 0; i = _next[i])
        {
            if (_key[i] == key)
            {
                Write(i, orderedAt, amount, counted);
                return;
            }
        }

        if (Count == _row.Length)
        {
            Grow(Math.Max(1024, Count + (Count / 4)));
        }

        var slot = Count++;
        _row[slot] = row;
        _key[slot] = key;
        _next[slot] = First[row];
        First[row] = slot;
        Write(slot, orderedAt, amount, counted);
    }

    /// <summary>Forgets a row's orders (the customer was erased); their slots stay unused until the next rebuild.</summary>
    public void RemoveRow(int row)
    {
        for (var i = First[row]; i >= 0; i = _next[i])
        {
            _row[i] = -1;
        }

        First[row] = -1;
    }

    /// <summary>Adds, per row, the number of counted orders at or after <paramref name="fromTicks"/>.</summary>
    public void CountSince(long fromTicks, int[] counts)
    {
        for (var i = 0; i < Count; i++)
        {
            var row = _row[i];
            if (row >= 0 && _counted[i] && _at[i] >= fromTicks)
            {
                counts[row]++;
            }
        }
    }

    /// <summary>Adds, per row, the spend in millionths of counted orders at or after <paramref name="fromTicks"/>.</summary>
    public void SpendSince(long fromTicks, long[] sums)
    {
        for (var i = 0; i < Count; i++)
        {
            var row = _row[i];
            if (row >= 0 && _counted[i] && _at[i] >= fromTicks)
            {
                sums[row] += _micros[i];
            }
        }
    }

    private void Write(int slot, DateTimeOffset orderedAt, decimal amount, bool counted)
    {
        _at[slot] = orderedAt.UtcTicks;
        _micros[slot] = MicrosOf(amount);
        _counted[slot] = counted;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _row, capacity);
        Array.Resize(ref _at, capacity);
        Array.Resize(ref _micros, capacity);
        Array.Resize(ref _counted, capacity);
        Array.Resize(ref _key, capacity);
        Array.Resize(ref _next, capacity);
    }
}
