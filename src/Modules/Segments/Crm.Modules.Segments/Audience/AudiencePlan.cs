using System.Buffers;
using System.Text;
using Crm.Modules.Segments.Contracts;
using Crm.Modules.Segments.Rules;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// Rules compiled once into a tree of column scans over the <see cref="AudienceIndex"/>. Evaluation is
/// column-at-a-time into row bitmaps: an AND passes what it has kept so far to its next rule, whose scan skips every
/// 64-row word already ruled out; negative operators are the complement of their positive form (so <c>!=</c> and
/// <c>not_in</c> match rows without a value, as in MongoDB). Relative dates resolve against the <c>now</c> of each evaluation.
/// </summary>
internal sealed class AudiencePlan
{
    private readonly Node _root;

    private AudiencePlan(Node root) => _root = root;

    public static AudiencePlan Compile(RuleGroup rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new AudiencePlan(Compile((RuleNode)rules));
    }

    /// <summary>The matching rows as a bitmap of <see cref="AudienceIndex.Words"/> words. The caller holds the index's read lock.</summary>
    public ulong[] Evaluate(AudienceIndex index, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(index);
        var context = new Context(index, now);
        var result = new ulong[index.Words];
        _root.Evaluate(context, result, index.Live);
        Bitmaps.And(result, index.Live);
        return result;
    }

    private static Node Compile(RuleNode node) => node switch
    {
        RuleGroup group => new GroupNode(group.Combinator, group.Not, group.Rules.Select(Compile).ToArray()),
        RuleCondition condition => new ConditionNode(condition),
        _ => throw new InvalidOperationException("Unknown rule node."),
    };

    private sealed class Context(AudienceIndex index, DateTimeOffset now)
    {
        public AudienceIndex Index { get; } = index;

        public DateTimeOffset Now { get; } = now;

        public int Words { get; } = index.Words;

        public ulong[] Rent() => ArrayPool<ulong>.Shared.Rent(Words);

        public static void Return(ulong[] scratch) => ArrayPool<ulong>.Shared.Return(scratch);
    }

    private abstract class Node
    {
        /// <summary>Writes into <paramref name="result"/> the rows among <paramref name="candidates"/> that match (others may be 0 or 1 only outside candidates' words).</summary>
        public abstract void Evaluate(Context context, Span<ulong> result, ReadOnlySpan<ulong> candidates);
    }

    private sealed class GroupNode(Combinator combinator, bool not, Node[] children) : Node
    {
        public override void Evaluate(Context context, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            var scratch = context.Rent();
            try
            {
                var part = scratch.AsSpan(0, context.Words);
                if (combinator == Combinator.And)
                {
                    candidates.CopyTo(result);
                    foreach (var child in children)
                    {
                        child.Evaluate(context, part, result);
                        Bitmaps.And(result, part);
                    }
                }
                else
                {
                    result.Clear();
                    foreach (var child in children)
                    {
                        child.Evaluate(context, part, candidates);
                        Bitmaps.And(part, candidates);
                        Bitmaps.Or(result, part);
                    }
                }
            }
            finally
            {
                Context.Return(scratch);
            }

            if (not)
            {
                Bitmaps.Invert(result, candidates);
            }
        }
    }

    private sealed class ConditionNode(RuleCondition condition) : Node
    {
        private readonly string _positive = RuleBounds.PositiveOf(condition.Operator) ?? condition.Operator;
        private readonly bool _negate = RuleBounds.PositiveOf(condition.Operator) is not null;
        private readonly byte[]? _text = condition.Value.Text is { } text ? Encoding.UTF8.GetBytes(text) : null;
        private readonly byte[][]? _texts = condition.Value.Texts?.Select(Encoding.UTF8.GetBytes).ToArray();

        public override void Evaluate(Context context, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            Positive(context, result, candidates);
            if (_negate)
            {
                Bitmaps.Invert(result, candidates);
            }
        }

        private void Positive(Context context, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            var index = context.Index;
            var field = condition.Field;
            if (condition.AttributeKey is { } key)
            {
                var column = index.Attribute(key);
                switch (field.Type)
                {
                    case SegmentFieldType.Number when column?.Numbers is { } numbers:
                        Numbers(numbers, result, candidates);
                        return;
                    case SegmentFieldType.Date when column?.Dates is { } dates:
                        Dates(context, dates, result, candidates);
                        return;
                    case SegmentFieldType.Boolean when column?.Flags is { } flags:
                        Flags(flags, result, candidates);
                        return;
                    case SegmentFieldType.Text or SegmentFieldType.Category when column?.Texts is { } texts:
                        Category(texts, result, candidates);
                        return;
                    default:
                        // No customer holds a value of this type under the key: every row is empty.
                        AllOrNone(_positive == SegmentOperators.IsEmpty, result, candidates);
                        return;
                }
            }

            switch (field.Name)
            {
                case SegmentFieldCatalog.Email: Email(index, result, candidates); break;
                case SegmentFieldCatalog.Name: Text(index.Name, result, candidates); break;
                case SegmentFieldCatalog.Phone: Phone(index.Phone, result, candidates); break;
                case SegmentFieldCatalog.EmailDomain: Category(index.EmailDomain, result, candidates); break;
                case SegmentFieldCatalog.TimeZone: Category(index.TimeZone, result, candidates); break;
                case SegmentFieldCatalog.City: Category(index.City, result, candidates); break;
                case SegmentFieldCatalog.Country: Category(index.Country, result, candidates); break;
                case SegmentFieldCatalog.Gender: Category(index.Gender, result, candidates); break;
                case SegmentFieldCatalog.Age: Integers(index.Age, result, candidates); break;
                case SegmentFieldCatalog.BirthDate: Dates(context, index.BirthDate, result, candidates); break;
                case SegmentFieldCatalog.Tags: List(index.Tags, result, candidates); break;
                case SegmentFieldCatalog.Preferences: List(index.Preferences, result, candidates); break;
                case SegmentFieldCatalog.EmailConsent: Consent(index.EmailConsent, result, candidates); break;
                case SegmentFieldCatalog.SmsConsent: Consent(index.SmsConsent, result, candidates); break;
                case SegmentFieldCatalog.PushConsent: Consent(index.PushConsent, result, candidates); break;
                case SegmentFieldCatalog.CreatedAt: Dates(context, index.CreatedAt, result, candidates); break;
                case SegmentFieldCatalog.TotalSpent: Numbers(index.TotalSpent, result, candidates); break;
                case SegmentFieldCatalog.OrderCount: Integers(index.OrderCount, result, candidates); break;
                case SegmentFieldCatalog.VisitCount: Integers(index.VisitCount, result, candidates); break;
                case SegmentFieldCatalog.LastOrderAt: Dates(context, index.LastOrderAt, result, candidates); break;
                case SegmentFieldCatalog.LastVisit: Dates(context, index.LastVisit, result, candidates); break;
                case SegmentFieldCatalog.DaysSinceLastOrder: DaysSince(context, result, candidates); break;
                case SegmentFieldCatalog.EngagementScore: Numbers(index.EngagementScore, result, candidates); break;
                case SegmentFieldCatalog.ChurnRisk: Numbers(index.ChurnRisk, result, candidates); break;
                case SegmentFieldCatalog.OrdersInLastDays: Window(context, spend: false, result, candidates); break;
                case SegmentFieldCatalog.SpendInLastDays: Window(context, spend: true, result, candidates); break;
                default: throw new InvalidOperationException($"No column for field {field.Name}.");
            }
        }

        /// <summary>For a column nobody has a value in: is_empty holds for every candidate, every other operator for none.</summary>
        private bool NoValues(bool allocated, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            if (allocated)
            {
                return false;
            }

            AllOrNone(_positive == SegmentOperators.IsEmpty, result, candidates);
            return true;
        }

        /// <summary>Every candidate, or none.</summary>
        private static void AllOrNone(bool all, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            if (all)
            {
                candidates.CopyTo(result);
            }
            else
            {
                result.Clear();
            }
        }

        private void Numbers(ValueColumn<double> column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            if (NoValues(column.Allocated, result, candidates))
            {
                return;
            }

            if (_positive == SegmentOperators.IsEmpty)
            {
                ColumnScan.NotANumber(column.Values, result, candidates);
                return;
            }

            Ranges(result, candidates, RuleBounds.Numbers(condition), (range, into, within) =>
            {
                var low = range.Low is { } l ? (double)l : double.NegativeInfinity;
                var high = range.High is { } h ? (double)h : double.PositiveInfinity;
                low = range.LowInclusive || range.Low is null ? low : Math.BitIncrement(low);
                high = range.HighInclusive || range.High is null ? high : Math.BitDecrement(high);
                if (low > high)
                {
                    return false;
                }

                ColumnScan.Range(column.Values, low, high, into, within);
                return true;
            });
        }

        private void Integers(WholeColumn<ushort> column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            if (NoValues(column.Allocated, result, candidates))
            {
                return;
            }

            if (_positive == SegmentOperators.IsEmpty)
            {
                column.ScanMissing(result, candidates);
                return;
            }

            Ranges(result, candidates, RuleBounds.Numbers(condition), (range, into, within) =>
            {
                if (range.Whole(long.MinValue + 1, long.MaxValue - 1) is not { } whole)
                {
                    return false;
                }

                column.ScanRange(whole.Low, whole.High, into, within);
                return true;
            });
        }

        private static void IntegerRanges(int[] values, IReadOnlyList<NumberRange> ranges, Span<ulong> result, ReadOnlySpan<ulong> candidates) =>
            Ranges(result, candidates, ranges, (range, into, within) =>
            {
                if (range.Whole(int.MinValue + 1, int.MaxValue) is not { } whole)
                {
                    return false;
                }

                ColumnScan.Range(values, (int)whole.Low, (int)whole.High, into, within);
                return true;
            });

        private void Dates(Context context, WholeColumn<int> column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            if (NoValues(column.Allocated, result, candidates))
            {
                return;
            }

            if (_positive == SegmentOperators.IsEmpty)
            {
                column.ScanMissing(result, candidates);
                return;
            }

            Seconds(column, RuleBounds.Instants(condition, context.Now), result, candidates);
        }

        /// <summary>An instant range over a column of whole seconds: the seconds from the first at or after its start to the last at or before its end.</summary>
        private static void Seconds(WholeColumn<int> column, InstantRange range, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            var from = range.From is { } start ? Audience.Instants.Ceiling(start) : long.MinValue + 1;
            var to = range.To is { } end ? Audience.Instants.Floor(end) : long.MaxValue - 1;
            if (from > to)
            {
                result.Clear();
                return;
            }

            column.ScanRange(from, to, result, candidates);
        }

        private void DaysSince(Context context, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            var column = context.Index.LastOrderAt;
            if (NoValues(column.Allocated, result, candidates))
            {
                return;
            }

            if (_positive == SegmentOperators.IsEmpty)
            {
                column.ScanMissing(result, candidates);
                return;
            }

            Ranges(result, candidates, RuleBounds.Numbers(condition), (range, into, within) =>
            {
                if (RuleBounds.DaysSince(range, context.Now) is not { } instants)
                {
                    return false;
                }

                Seconds(column, instants, into, within);
                return true;
            });
        }

        private void Window(Context context, bool spend, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            switch (_positive)
            {
                case SegmentOperators.IsEmpty:
                    result.Clear();
                    return;
            }

            var from = RuleBounds.DaysBefore(context.Now, condition.WindowDays!.Value).UtcTicks;
            var capacity = context.Index.Capacity;
            var ranges = RuleBounds.Numbers(condition);
            if (!spend)
            {
                var counts = ArrayPool<int>.Shared.Rent(capacity);
                try
                {
                    counts.AsSpan(0, capacity).Clear();
                    context.Index.Orders.CountSince(from, counts);
                    IntegerRanges(counts, ranges, result, candidates);
                }
                finally
                {
                    ArrayPool<int>.Shared.Return(counts);
                }

                return;
            }

            var sums = ArrayPool<long>.Shared.Rent(capacity);
            try
            {
                sums.AsSpan(0, capacity).Clear();
                context.Index.Orders.SpendSince(from, sums);
                Ranges(result, candidates, ranges, (range, into, within) =>
                {
                    var micros = new NumberRange(
                        range.Low * OrderTable.MicrosPerUnit, range.LowInclusive, range.High * OrderTable.MicrosPerUnit, range.HighInclusive);
                    if (micros.Whole(long.MinValue + 1, long.MaxValue) is not { } whole)
                    {
                        return false;
                    }

                    ColumnScan.Range(sums, whole.Low, whole.High, into, within);
                    return true;
                });
            }
            finally
            {
                ArrayPool<long>.Shared.Return(sums);
            }
        }

        private void Flags(ValueColumn<byte> column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            if (NoValues(column.Allocated, result, candidates))
            {
                return;
            }

            var wanted = _positive == SegmentOperators.IsEmpty ? (byte)0 : condition.Value.Flag == true ? (byte)2 : (byte)1;
            ColumnScan.Equal(column.Values, wanted, result, candidates);
        }

        private void Consent(ValueColumn<byte> column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            var values = condition.Value.Texts ?? [condition.Value.Text!];
            var codes = values.Select(v => v switch { "opted_in" => (byte)1, "opted_out" => (byte)2, _ => (byte)0 }).Distinct().ToList();
            if (!column.Allocated)
            {
                // Nobody said either way on this channel yet: everyone is "unknown".
                AllOrNone(codes.Contains((byte)0), result, candidates);
                return;
            }

            Ranges(result, candidates, codes, (code, into, within) =>
            {
                ColumnScan.Equal(column.Values, code, into, within);
                return true;
            });
        }

        private void Category(CategoryColumn column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            if (NoValues(column.Allocated, result, candidates))
            {
                return;
            }

            switch (_positive)
            {
                case SegmentOperators.IsEmpty:
                    // Empty text is as empty as no value.
                    Ranges(result, candidates, new[] { 0, column.CodeOf("") }.Distinct().ToList(), (c, into, within) =>
                    {
                        column.ScanEqual(c, into, within);
                        return true;
                    });
                    return;
                case SegmentOperators.Equal:
                    var code = column.CodeOf(condition.Value.Text!);
                    if (code == 0)
                    {
                        result.Clear();
                        return;
                    }

                    column.ScanEqual(code, result, candidates);
                    return;
            }

            // Decide each distinct value once, then scan the codes: a few codes as vector compares, many as a lookup.
            var wanted = new bool[column.Count];
            var matches = new List<int>();
            for (var c = 1; c < wanted.Length; c++)
            {
                if (Matches(column.ValueOf(c)))
                {
                    wanted[c] = true;
                    matches.Add(c);
                }
            }

            if (matches.Count > 4)
            {
                column.ScanLookup(wanted, result, candidates);
                return;
            }

            Ranges(result, candidates, matches, (c, into, within) =>
            {
                column.ScanEqual(c, into, within);
                return true;
            });
        }

        private bool Matches(string value) => _positive switch
        {
            SegmentOperators.Equal => value == condition.Value.Text,
            SegmentOperators.In => condition.Value.Texts!.Contains(value, StringComparer.Ordinal),
            SegmentOperators.Contains => value.Contains(condition.Value.Text!, StringComparison.Ordinal),
            SegmentOperators.StartsWith => value.StartsWith(condition.Value.Text!, StringComparison.Ordinal),
            SegmentOperators.EndsWith => value.EndsWith(condition.Value.Text!, StringComparison.Ordinal),
            _ => throw new InvalidOperationException($"{_positive} is not a text operator."),
        };

        private void Text(TextColumn column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            var empty = _positive == SegmentOperators.IsEmpty;
            for (var w = 0; w < result.Length; w++)
            {
                var candidate = candidates[w];
                ulong bits = 0;
                while (candidate != 0)
                {
                    var bit = System.Numerics.BitOperations.TrailingZeroCount(candidate);
                    candidate &= candidate - 1;
                    var row = (w << 6) + bit;
                    var has = column.Has(row);
                    var match = empty ? !has || column.Get(row).IsEmpty : has && Matches(column.Get(row));
                    bits |= match ? 1UL << bit : 0;
                }

                result[w] = bits;
            }
        }

        /// <summary>
        /// Emails are kept as the part before '@' and a domain code. Equality splits the rule's value the same way
        /// and compares codes first; the other operators rebuild each candidate's address in a buffer.
        /// </summary>
        private void Email(AudienceIndex index, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            if (_positive == SegmentOperators.IsEmpty)
            {
                Text(index.Email, result, candidates);
                return;
            }

            var domains = new byte[index.EmailDomain.Count][];
            var exact = _positive is SegmentOperators.Equal or SegmentOperators.In
                ? (_texts ?? [_text!]).Select(t => Split(t, index.EmailDomain)).ToArray()
                : null;
            var buffer = new byte[1024];
            for (var w = 0; w < result.Length; w++)
            {
                var candidate = candidates[w];
                ulong bits = 0;
                while (candidate != 0)
                {
                    var bit = System.Numerics.BitOperations.TrailingZeroCount(candidate);
                    candidate &= candidate - 1;
                    var row = (w << 6) + bit;
                    if (!index.Email.Has(row))
                    {
                        continue;
                    }

                    var local = index.Email.Get(row);
                    var code = index.EmailDomain.CodeAt(row);
                    var hasAt = Bitmaps.Get(index.EmailAt, row);
                    bool match;
                    if (exact is not null)
                    {
                        match = false;
                        foreach (var (wantedLocal, wantedCode, wantedAt) in exact)
                        {
                            if (wantedAt == hasAt && (!hasAt || wantedCode == code) && local.SequenceEqual(wantedLocal))
                            {
                                match = true;
                                break;
                            }
                        }
                    }
                    else
                    {
                        var domain = hasAt ? domains[code] ??= Encoding.UTF8.GetBytes(index.EmailDomain.ValueOf(code)) : [];
                        var length = local.Length + (hasAt ? 1 + domain.Length : 0);
                        if (length > buffer.Length)
                        {
                            buffer = new byte[length * 2];
                        }

                        local.CopyTo(buffer);
                        if (hasAt)
                        {
                            buffer[local.Length] = (byte)'@';
                            domain.CopyTo(buffer.AsSpan(local.Length + 1));
                        }

                        match = Matches(buffer.AsSpan(0, length));
                    }

                    bits |= match ? 1UL << bit : 0;
                }

                result[w] = bits;
            }
        }

        private void Phone(PhoneColumn column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            var empty = _positive == SegmentOperators.IsEmpty;
            var buffer = new byte[64];
            for (var w = 0; w < result.Length; w++)
            {
                var candidate = candidates[w];
                ulong bits = 0;
                while (candidate != 0)
                {
                    var bit = System.Numerics.BitOperations.TrailingZeroCount(candidate);
                    candidate &= candidate - 1;
                    var row = (w << 6) + bit;
                    bool match;
                    if (!column.Has(row))
                    {
                        match = empty;
                    }
                    else
                    {
                        var length = column.Get(row, ref buffer);
                        match = !empty && Matches(buffer.AsSpan(0, length));
                    }

                    bits |= match ? 1UL << bit : 0;
                }

                result[w] = bits;
            }
        }

        /// <summary>A wanted address as the index keeps one: the part before its last '@', the domain's code (-1: no row has it), and whether it has an '@'.</summary>
        private static (byte[] Local, int Code, bool At) Split(byte[] email, CategoryColumn domains)
        {
            var at = email.AsSpan().LastIndexOf((byte)'@');
            if (at < 0)
            {
                return (email, 0, false);
            }

            var code = domains.CodeOf(Encoding.UTF8.GetString(email.AsSpan(at + 1)));
            return (email[..at], code == 0 && at + 1 < email.Length ? -1 : code, true);
        }

        private bool Matches(ReadOnlySpan<byte> value)
        {
            switch (_positive)
            {
                case SegmentOperators.Equal: return value.SequenceEqual(_text);
                case SegmentOperators.Contains: return value.IndexOf(_text) >= 0;
                case SegmentOperators.StartsWith: return value.StartsWith(_text);
                case SegmentOperators.EndsWith: return value.EndsWith(_text);
                case SegmentOperators.In:
                    foreach (var text in _texts!)
                    {
                        if (value.SequenceEqual(text))
                        {
                            return true;
                        }
                    }

                    return false;
                default: throw new InvalidOperationException($"{_positive} is not a text operator.");
            }
        }

        private void List(ListColumn column, Span<ulong> result, ReadOnlySpan<ulong> candidates)
        {
            IEnumerable<ulong[]?> sets = _positive switch
            {
                SegmentOperators.IsEmpty => column.All,
                SegmentOperators.In => condition.Value.Texts!.Select(column.Of),
                _ => [column.Of(condition.Value.Text!)],
            };
            result.Clear();
            foreach (var set in sets)
            {
                if (set is not null)
                {
                    Bitmaps.Or(result, set.AsSpan(0, result.Length));
                }
            }

            if (_positive == SegmentOperators.IsEmpty)
            {
                Bitmaps.Invert(result, candidates);
            }
            else
            {
                Bitmaps.And(result, candidates);
            }
        }

        /// <summary>ORs one scan per part into <paramref name="result"/>; a part that matches nothing returns false.</summary>
        private static void Ranges<TPart>(Span<ulong> result, ReadOnlySpan<ulong> candidates, IReadOnlyList<TPart> parts, ScanPart<TPart> scan)
        {
            result.Clear();
            if (parts.Count == 0)
            {
                return;
            }

            if (parts.Count == 1)
            {
                if (!scan(parts[0], result, candidates))
                {
                    result.Clear();
                }

                return;
            }

            var scratch = ArrayPool<ulong>.Shared.Rent(result.Length);
            try
            {
                var part = scratch.AsSpan(0, result.Length);
                foreach (var p in parts)
                {
                    if (scan(p, part, candidates))
                    {
                        Bitmaps.Or(result, part);
                    }
                }
            }
            finally
            {
                ArrayPool<ulong>.Shared.Return(scratch);
            }

        }

        private delegate bool ScanPart<in TPart>(TPart part, Span<ulong> into, ReadOnlySpan<ulong> within);
    }
}
