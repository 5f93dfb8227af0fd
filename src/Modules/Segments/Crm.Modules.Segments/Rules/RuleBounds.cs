using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Rules;

/// <summary>A range of numbers; a null bound is open.</summary>
internal readonly record struct NumberRange(decimal? Low, bool LowInclusive, decimal? High, bool HighInclusive)
{
    public static NumberRange Exactly(decimal value) => new(value, true, value, true);

    /// <summary>The whole numbers in the range, clamped to [<paramref name="min"/>, <paramref name="max"/>]; null when there are none.</summary>
    public (long Low, long High)? Whole(long min, long max)
    {
        var low = Low is { } l ? (LowInclusive ? Math.Ceiling(l) : Math.Floor(l) + 1) : min;
        var high = High is { } h ? (HighInclusive ? Math.Floor(h) : Math.Ceiling(h) - 1) : max;
        low = Math.Max(low, min);
        high = Math.Min(high, max);
        return low > high ? null : ((long)low, (long)high);
    }
}

/// <summary>A closed range of instants; a null bound is open.</summary>
internal readonly record struct InstantRange(DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// The instant and number arithmetic every engine shares, so the in-memory index, the document port's predicate and
/// the MongoDB query mean the same thing: relative dates resolve against one <c>now</c>, days are 24 hours, and
/// <c>days_since_last_order</c> is the whole days since the last order, turned into a range of order instants.
/// </summary>
internal static class RuleBounds
{
    private static readonly long MaxDays = (long)(DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).TotalDays - 1;

    /// <summary>The instants a date condition (with a positive operator) matches.</summary>
    public static InstantRange Instants(RuleCondition condition, DateTimeOffset now)
    {
        var v = condition.Value;
        return condition.Operator switch
        {
            SegmentOperators.Before => new InstantRange(null, v.Date!.Value.AddTicks(-1)),
            SegmentOperators.After => new InstantRange(v.Date!.Value.AddTicks(1), null),
            SegmentOperators.Between => new InstantRange(v.Date, v.UpperDate),
            SegmentOperators.WithinLastDays => new InstantRange(DaysBefore(now, v.Days!.Value), null),
            SegmentOperators.MoreThanDaysAgo => new InstantRange(null, DaysBefore(now, v.Days!.Value).AddTicks(-1)),
            _ => throw new InvalidOperationException($"{condition.Operator} is not a date range."),
        };
    }

    /// <summary>The ranges a number condition (with a positive operator) matches; several for <c>in</c>.</summary>
    public static IReadOnlyList<NumberRange> Numbers(RuleCondition condition)
    {
        var v = condition.Value;
        return condition.Operator switch
        {
            SegmentOperators.Equal or SegmentOperators.NotEqual => [NumberRange.Exactly(v.Number!.Value)],
            SegmentOperators.GreaterThan => [new NumberRange(v.Number, false, null, false)],
            SegmentOperators.GreaterThanOrEqual => [new NumberRange(v.Number, true, null, false)],
            SegmentOperators.LessThan => [new NumberRange(null, false, v.Number, false)],
            SegmentOperators.LessThanOrEqual => [new NumberRange(null, false, v.Number, true)],
            SegmentOperators.Between => [new NumberRange(v.Number, true, v.Upper, true)],
            SegmentOperators.In or SegmentOperators.NotIn => v.Numbers!.Distinct().Select(NumberRange.Exactly).ToList(),
            _ => throw new InvalidOperationException($"{condition.Operator} is not a number range."),
        };
    }

    /// <summary>
    /// <c>days_since_last_order</c> in <paramref name="range"/> as last-order instants: whole days d with
    /// low &lt;= d &lt;= high hold for an order at t when now - (high + 1) days &lt; t &lt;= now - low days.
    /// Null when no whole number of days is in the range.
    /// </summary>
    public static InstantRange? DaysSince(NumberRange range, DateTimeOffset now)
    {
        if (range.Whole(-MaxDays, MaxDays) is not { } days)
        {
            return null;
        }

        DateTimeOffset? to = range.Low is null ? null : DaysBefore(now, days.Low);
        DateTimeOffset? from = range.High is null ? null : DaysBefore(now, days.High + 1).AddTicks(1);
        return new InstantRange(from, to);
    }

    public static DateTimeOffset DaysBefore(DateTimeOffset now, long days)
    {
        var ticks = (decimal)now.UtcTicks - (days * (decimal)TimeSpan.TicksPerDay);
        var clamped = Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks + 1, DateTimeOffset.MaxValue.UtcTicks - 1);
        return new DateTimeOffset((long)clamped, TimeSpan.Zero);
    }

    /// <summary>The positive form of a negative operator (<c>!=</c> is not <c>=</c>); null for a positive one.</summary>
    public static string? PositiveOf(string op) => op switch
    {
        SegmentOperators.NotEqual => SegmentOperators.Equal,
        SegmentOperators.NotIn => SegmentOperators.In,
        SegmentOperators.NotContains => SegmentOperators.Contains,
        SegmentOperators.IsNotEmpty => SegmentOperators.IsEmpty,
        _ => null,
    };
}
