using Crm.Modules.Segments.Audience;

namespace Crm.Modules.Segments.Features.AnalyzeSegment;

internal sealed record Bucket(string Label, long Count, double Share);

internal sealed record Distributions(
    IReadOnlyList<Bucket> Spend,
    IReadOnlyList<Bucket> Visits,
    IReadOnlyList<Bucket> Recency,
    IReadOnlyList<Bucket> City,
    IReadOnlyList<Bucket> Country,
    IReadOnlyList<Bucket> Gender,
    IReadOnlyList<Bucket> Age,
    IReadOnlyList<Bucket> Engagement);

internal sealed record Reachability(long Email, long Sms, long Push);

internal sealed record SegmentFigures(
    long Size,
    long Total,
    double Share,
    decimal TotalSpent,
    decimal AverageSpent,
    double AverageOrders,
    decimal AverageOrderValue,
    Reachability Reachable,
    Distributions Distributions);

/// <summary>
/// One pass over a segment's rows reading the columns directly: sums, bucket counts and top values. Spend sums in
/// doubles (the columns' form); the figures are rounded to cents.
/// </summary>
internal static class SegmentAnalysis
{
    public const int TopValues = 10;

    private static readonly (string Label, double Upper)[] SpendBuckets =
        [("0", 0), ("0-100", 100), ("100-500", 500), ("500-1000", 1000), ("1000-5000", 5000), ("5000+", double.PositiveInfinity)];

    private static readonly (string Label, int Upper)[] VisitBuckets =
        [("0", 0), ("1-2", 2), ("3-5", 5), ("6-10", 10), ("11+", int.MaxValue)];

    private static readonly (string Label, int Upper)[] RecencyBuckets =
        [("0-30 days", 30), ("31-90 days", 90), ("91-180 days", 180), ("181-365 days", 365), ("over 365 days", int.MaxValue)];

    private static readonly (string Label, int Upper)[] AgeBands =
        [("under 18", 17), ("18-24", 24), ("25-34", 34), ("35-44", 44), ("45-54", 54), ("55-64", 64), ("65+", int.MaxValue)];

    private static readonly (string Label, double Upper)[] EngagementBands =
        [("0-20", 20), ("20-40", 40), ("40-60", 60), ("60-80", 80), ("80-100", double.PositiveInfinity)];

    /// <summary>The caller holds the index's read lock.</summary>
    public static SegmentFigures Compute(AudienceIndex index, Evaluation evaluation)
    {
        var spend = new long[SpendBuckets.Length];
        var visits = new long[VisitBuckets.Length];
        var recency = new long[RecencyBuckets.Length + 1];
        var ages = new long[AgeBands.Length + 1];
        var engagement = new long[EngagementBands.Length + 1];
        var cities = new long[index.City.Count];
        var countries = new long[index.Country.Count];
        var genders = new long[index.Gender.Count];
        long email = 0, sms = 0, push = 0, orders = 0, size = 0;
        double total = 0;
        var nowSeconds = Instants.Floor(evaluation.EvaluatedAt);

        foreach (var row in Bitmaps.Rows(evaluation.Rows, Math.Min(evaluation.Rows.Length, index.Words)))
        {
            size++;
            var spent = index.TotalSpent[row];
            total += spent;
            spend[Band(SpendBuckets, spent)]++;
            orders += index.OrderCount[row] ?? 0;
            visits[Band(VisitBuckets, (int)Math.Min(int.MaxValue, index.VisitCount[row] ?? 0))]++;
            var last = index.LastOrderAt[row];
            recency[last is not { } at ? RecencyBuckets.Length : Band(RecencyBuckets, (int)Math.Clamp((nowSeconds - at) / 86_400, 0, int.MaxValue))]++;
            var age = index.Age[row];
            ages[age is not { } years ? AgeBands.Length : Band(AgeBands, (int)Math.Clamp(years, int.MinValue, int.MaxValue))]++;
            var score = index.EngagementScore[row];
            engagement[double.IsNaN(score) ? EngagementBands.Length : Band(EngagementBands, score)]++;
            cities[index.City.CodeAt(row)]++;
            countries[index.Country.CodeAt(row)]++;
            genders[index.Gender.CodeAt(row)]++;
            email += index.EmailConsent[row] == 1 ? 1 : 0;
            sms += index.SmsConsent[row] == 1 && index.Phone.Has(row) ? 1 : 0;
            push += index.PushConsent[row] == 1 ? 1 : 0;
        }

        var totalSpent = Math.Round((decimal)total, 2);
        return new SegmentFigures(
            size,
            evaluation.Total,
            evaluation.Share,
            totalSpent,
            size == 0 ? 0 : Math.Round(totalSpent / size, 2),
            size == 0 ? 0 : Math.Round((double)orders / size, 3),
            orders == 0 ? 0 : Math.Round(totalSpent / orders, 2),
            new Reachability(email, sms, push),
            new Distributions(
                Buckets(SpendBuckets.Select(b => b.Label), spend, size),
                Buckets(VisitBuckets.Select(b => b.Label), visits, size),
                Buckets([.. RecencyBuckets.Select(b => b.Label), "never ordered"], recency, size),
                Top(index.City, cities, size),
                Top(index.Country, countries, size, upper: true),
                Top(index.Gender, genders, size),
                Buckets([.. AgeBands.Select(b => b.Label), "unknown"], ages, size),
                Buckets([.. EngagementBands.Select(b => b.Label), "not scored"], engagement, size)));
    }

    private static int Band<T>((string Label, T Upper)[] bands, T value)
        where T : IComparable<T>
    {
        for (var i = 0; i < bands.Length - 1; i++)
        {
            if (value.CompareTo(bands[i].Upper) <= 0)
            {
                return i;
            }
        }

        return bands.Length - 1;
    }

    private static List<Bucket> Buckets(IEnumerable<string> labels, long[] counts, long size) =>
        labels.Select((label, i) => new Bucket(label, counts[i], ShareOf(counts[i], size))).ToList();

    /// <summary>The most common values (ties by name), then "other" and "unknown" when they hold anyone.</summary>
    private static List<Bucket> Top(CategoryColumn column, long[] counts, long size, bool upper = false)
    {
        var ranked = Enumerable.Range(1, counts.Length - 1)
            .Where(code => counts[code] > 0)
            .OrderByDescending(code => counts[code])
            .ThenBy(code => column.ValueOf(code), StringComparer.Ordinal)
            .ToList();
        var buckets = ranked.Take(TopValues)
            .Select(code => new Bucket(upper ? column.ValueOf(code).ToUpperInvariant() : column.DisplayOf(code), counts[code], ShareOf(counts[code], size)))
            .ToList();
        var other = ranked.Skip(TopValues).Sum(code => counts[code]);
        if (other > 0)
        {
            buckets.Add(new Bucket("other", other, ShareOf(other, size)));
        }

        if (counts[0] > 0)
        {
            buckets.Add(new Bucket("unknown", counts[0], ShareOf(counts[0], size)));
        }

        return buckets;
    }

    private static double ShareOf(long count, long size) => size == 0 ? 0 : Math.Round((double)count / size, 4);
}
