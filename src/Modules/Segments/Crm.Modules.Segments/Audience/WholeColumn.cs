using System.Numerics;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// Whole numbers (counters, ages, instants in seconds) kept in <typeparamref name="TNarrow"/> until a value does not
/// fit, then in 8-byte longs. Missing is the narrow type's maximum, or <see cref="long.MinValue"/> once wide; both
/// are outside every range a scan is asked for, so a range never matches a missing value.
/// </summary>
internal sealed class WholeColumn<TNarrow>
    where TNarrow : unmanaged, IBinaryInteger<TNarrow>, IMinMaxValue<TNarrow>
{
    private static readonly long NarrowMin = long.CreateTruncating(TNarrow.MinValue);
    private static readonly long NarrowMax = long.CreateTruncating(TNarrow.MaxValue) - 1;

    private ValueColumn<TNarrow> _narrow = new(TNarrow.MaxValue);
    private ValueColumn<long>? _wide;
    private int _capacity;

    public bool Allocated => _wide?.Allocated ?? _narrow.Allocated;

    public long Bytes => _wide?.Bytes ?? _narrow.Bytes;

    public long? this[int row]
    {
        get
        {
            if (_wide is not null)
            {
                var wide = _wide[row];
                return wide == long.MinValue ? null : wide;
            }

            var narrow = _narrow[row];
            return narrow == TNarrow.MaxValue ? null : long.CreateTruncating(narrow);
        }

        set
        {
            if (_wide is null && value is { } v && (v < NarrowMin || v > NarrowMax))
            {
                Widen();
            }

            if (_wide is not null)
            {
                _wide[row] = value ?? long.MinValue;
            }
            else
            {
                _narrow[row] = value is { } n ? TNarrow.CreateTruncating(n) : TNarrow.MaxValue;
            }
        }
    }

    public void Resize(int capacity)
    {
        _capacity = capacity;
        _narrow.Resize(capacity);
        _wide?.Resize(capacity);
    }

    /// <summary>Rows whose value is in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public void ScanRange(long low, long high, Span<ulong> result, ReadOnlySpan<ulong> candidates)
    {
        if (_wide is not null)
        {
            ColumnScan.Range(_wide.Values, Math.Max(low, long.MinValue + 1), high, result, candidates);
            return;
        }

        low = Math.Max(low, NarrowMin);
        high = Math.Min(high, NarrowMax);
        if (low > high)
        {
            result.Clear();
            return;
        }

        ColumnScan.Range(_narrow.Values, TNarrow.CreateTruncating(low), TNarrow.CreateTruncating(high), result, candidates);
    }

    public void ScanMissing(Span<ulong> result, ReadOnlySpan<ulong> candidates)
    {
        if (_wide is not null)
        {
            ColumnScan.Equal(_wide.Values, long.MinValue, result, candidates);
        }
        else
        {
            ColumnScan.Equal(_narrow.Values, TNarrow.MaxValue, result, candidates);
        }
    }

    private void Widen()
    {
        var wide = new ValueColumn<long>(long.MinValue);
        wide.Resize(_capacity);
        if (_narrow.Allocated)
        {
            for (var row = 0; row < _capacity; row++)
            {
                var narrow = _narrow[row];
                wide[row] = narrow == TNarrow.MaxValue ? long.MinValue : long.CreateTruncating(narrow);
            }
        }

        _wide = wide;
        _narrow = new ValueColumn<TNarrow>(TNarrow.MaxValue);
    }
}

/// <summary>
/// Instants as whole seconds since 2000-01-01 UTC, in four bytes from 1931 to 2068 (eight outside). Segments keeps
/// instants to the second (<see cref="AudienceProfile.ToSecond"/>), so every engine compares the same values.
/// </summary>
internal static class Instants
{
    private static readonly long EpochTicks = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    public static long? Of(DateTimeOffset? instant) =>
        instant is { } at ? Math.DivRem(at.UtcTicks - EpochTicks, TimeSpan.TicksPerSecond, out _) : null;

    public static long SecondsOf(long ticks) => Math.DivRem(ticks - EpochTicks, TimeSpan.TicksPerSecond, out _);

    /// <summary>The first whole second at or after <paramref name="instant"/>.</summary>
    public static long Ceiling(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks - EpochTicks;
        var seconds = ticks / TimeSpan.TicksPerSecond;
        return ticks > seconds * TimeSpan.TicksPerSecond ? seconds + 1 : seconds;
    }

    /// <summary>The last whole second at or before <paramref name="instant"/>.</summary>
    public static long Floor(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks - EpochTicks;
        var seconds = ticks / TimeSpan.TicksPerSecond;
        return ticks < seconds * TimeSpan.TicksPerSecond ? seconds - 1 : seconds;
    }
}
