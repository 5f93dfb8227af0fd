using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Features.AnalyzeSegment;
using Crm.Modules.Segments.Rules;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Benchmarks;

/// <summary>
/// The audience index at scale, in this process: its memory for N customers, the preview of a three-level rule tree
/// with eight conditions (a relative date and a custom attribute among them) beside the same rules as a SQLite query
/// through the document port, and the analysis of a segment of about 30%. Then, over HTTP on the Release host, the
/// time from a bulk upsert of 10,000 customers until the preview counts all of them.
/// </summary>
internal sealed class SegmentsBenchmark(int customers, string workDirectory)
{
    private const int PreviewRuns = 300;
    private const int AnalysisRuns = 50;
    private const int FreshnessCustomers = 10_000;
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] Cities = [.. Enumerable.Range(0, 500).Select(i => "city" + i)];
    private static readonly string[] Countries = ["de", "fr", "gb", "us", "es", "it", "nl", "se", "pl", "pt", "at", "ch", "be", "dk", "no", "fi", "ie", "cz", "gr", "hu"];
    private static readonly string[] Genders = ["female", "male", "diverse"];
    private static readonly string[] Plans = ["free", "silver", "gold", "platinum"];

    /// <summary>Three levels, eight conditions: the shape a marketer builds for a win-back or upsell campaign.</summary>
    public const string PreviewRules = """
        {"combinator":"and","rules":[
          {"field":"country","operator":"in","value":["de","fr","gb","us"]},
          {"field":"total_spent","operator":">","value":100},
          {"combinator":"or","rules":[
            {"field":"last_order_at","operator":"within_last_days","value":90},
            {"combinator":"and","rules":[
              {"field":"tags","operator":"contains","value":"tag3"},
              {"field":"attributes.plan","operator":"=","value":"gold"},
              {"field":"engagement_score","operator":">=","value":50}]},
            {"field":"visit_count","operator":">=","value":10}]},
          {"field":"email_consent","operator":"=","value":"opted_in"}]}
        """;

    /// <summary>About 30% of customers opted in to email.</summary>
    public const string AnalysisRules = """{"field":"email_consent","operator":"=","value":"opted_in"}""";

    public async Task<IReadOnlyList<Row>> RunAsync(Func<string, Task<HostProcess>> startHost)
    {
        var rows = new List<Row>();
        using var index = new AudienceIndex();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var built = Stopwatch.StartNew();
        index.Reserve(customers, customers / 3 + 1, 48);
        for (var i = 0; i < customers; i++)
        {
            index.Upsert(Profile(i));
            if (i % 3 == 0)
            {
                index.ApplyOrder(Order(i));
            }
        }

        index.MarkLoaded();
        built.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var managed = (after - before) / (1024.0 * 1024);
        var columns = index.Bytes / (1024.0 * 1024);
        var megabytesPerMillion = (after - before) / 1e6 * 1_000_000 / customers;
        rows.Add(new Row(
            $"audience index memory, {customers:N0} customers, {customers / 3:N0} orders (built in {built.Elapsed.TotalSeconds:N1} s)",
            $"{managed:N0} MiB managed heap",
            $"{columns:N0} MiB in columns",
            $"{megabytesPerMillion:N1} MB per 1M",
            "<= 150 MB per 1M",
            megabytesPerMillion <= 150));

        var previewRules = Parse(PreviewRules, index);
        var preview = Measure(PreviewRuns, () =>
        {
            var plan = AudiencePlan.Compile(Parse(PreviewRules, index));
            using var read = index.Read();
            return Bitmaps.Count(plan.Evaluate(index, Now));
        });
        var portCount = 0L;
        var port = await PortBaselineAsync(previewRules, count => portCount = count);
        rows.Add(new Row(
            $"preview, 3 levels, 8 conditions over {customers:N0} customers ({preview.Count:N0} match; port counts {portCount:N0})",
            $"p50 {Report.Millis(preview.P50)}, p99 {Report.Millis(preview.P99)}",
            $"{Report.Millis(port)} (SQLite query through the port)",
            (port / preview.P50).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + "x faster",
            "p50 <= 5 ms, p99 <= 20 ms",
            preview.P50 <= 5 && preview.P99 <= 20 && portCount == preview.Count));

        var analysisRules = Parse(AnalysisRules, index);
        var analysisPlan = AudiencePlan.Compile(analysisRules);
        long size = 0;
        var analysis = Measure(AnalysisRuns, () =>
        {
            using var read = index.Read();
            var started = Stopwatch.GetTimestamp();
            var rows = analysisPlan.Evaluate(index, Now);
            var evaluation = new Evaluation(rows, Bitmaps.Count(rows), index.LiveCount, Now, Stopwatch.GetElapsedTime(started));
            size = SegmentAnalysis.Compute(index, evaluation).Size;
            return size;
        });
        rows.Add(new Row(
            $"analysis of a {100.0 * size / customers:N0}% segment ({size:N0} customers): distributions, spend, projection inputs",
            $"p50 {Report.Millis(analysis.P50)}, p99 {Report.Millis(analysis.P99)}",
            "",
            "",
            "<= 50 ms",
            analysis.P50 <= 50));

        rows.Add(await FreshnessAsync(startHost));
        return rows;
    }

    private static RuleGroup Parse(string json, AudienceIndex index) => RuleParser.Parse(JsonNode.Parse(json), index.AttributeType).Value;

    private static (double P50, double P99, long Count) Measure(int runs, Func<long> work)
    {
        for (var i = 0; i < 10; i++)
        {
            work();
        }

        var times = new double[runs];
        long count = 0;
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            count = work();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(times);
        return (times[runs / 2], times[(int)Math.Min(runs - 1, Math.Ceiling(runs * 0.99) - 1)], count);
    }

    /// <summary>The same rules as a count through the document port on SQLite, over the same profiles: the median of 3.</summary>
    private async Task<double> PortBaselineAsync(RuleGroup rules, Action<long> count)
    {
        var services = new ServiceCollection();
        services.AddDocumentCollection<AudienceProfile>(AudienceProfile.Collection, c => c.Index(p => p.Email));
        var model = (DocumentModel)services.Single(d => d.ServiceType == typeof(DocumentModel)).ImplementationInstance!;
        await using var store = new SqliteDocumentStore(model, new SqliteStoreOptions { Path = Path.Combine(workDirectory, "segments.db") });
        for (var start = 0; start < customers; start += 50_000)
        {
            var batch = Enumerable.Range(start, Math.Min(50_000, customers - start)).Select(Profile).ToList();
            await store.BulkWriteAsync(batch, BulkWriteMode.Insert);
        }

        var predicate = AudiencePredicate.Render(rules, Now);
        var times = new double[3];
        for (var i = 0; i < times.Length; i++)
        {
            await using var session = store.OpenSession();
            var started = Stopwatch.GetTimestamp();
            count(await session.Query<AudienceProfile>().Where(predicate).CountAsync());
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return Report.Median(times);
    }

    /// <summary>Bulk upserts 10,000 new customers over HTTP and polls the preview until it counts them all.</summary>
    private async Task<Row> FreshnessAsync(Func<string, Task<HostProcess>> startHost)
    {
        await using var host = await startHost(Path.Combine(workDirectory, "segments-host.db"));
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromMinutes(5) };
        await host.SignInAsync(client, CancellationToken.None);
        var tag = "fresh" + Guid.NewGuid().ToString("N")[..8];
        await SendAsync(client, "warm" + tag, 1_000);
        await WaitForAsync(client, "warm" + tag, 1_000, TimeSpan.FromMinutes(2));

        var started = Stopwatch.GetTimestamp();
        await SendAsync(client, tag, FreshnessCustomers);
        var written = Stopwatch.GetElapsedTime(started);
        var polls = await WaitForAsync(client, tag, FreshnessCustomers, TimeSpan.FromMinutes(2));
        var total = Stopwatch.GetElapsedTime(started);
        return new Row(
            $"freshness: bulk upsert of {FreshnessCustomers:N0} customers until the preview counts all of them ({polls} previews polled)",
            $"{Report.Millis(total.TotalMilliseconds)} from the call",
            $"{Report.Millis((total - written).TotalMilliseconds)} after its answer",
            "",
            "report; one change within 1 s",
            null);
    }

    private static async Task SendAsync(HttpClient client, string tag, int count)
    {
        var body = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            body.Append("{\"email\":\"").Append(tag).Append('-').Append(i).Append("@bench.example\",\"tags\":[\"").Append(tag).Append("\"],\"profile\":{\"city\":\"Berlin\"}}\n");
        }

        using var content = new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson");
        using var response = await client.PostAsync(new Uri("/api/v1/customers/bulk", UriKind.Relative), content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"bulk upsert failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task<int> WaitForAsync(HttpClient client, string tag, int count, TimeSpan within)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(within.TotalSeconds * Stopwatch.Frequency);
        var polls = 0;
        while (true)
        {
            polls++;
            using var response = await client.PostAsJsonAsync(
                new Uri("/api/v1/segments/preview", UriKind.Relative),
                new { rules = new { field = "tags", @operator = "contains", value = tag }, sampleSize = 0 });
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.IsSuccessStatusCode && answer.GetProperty("count").GetInt64() >= count)
            {
                return polls;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"the preview never counted {count} customers tagged {tag}: {answer}");
            }

            await Task.Delay(10);
        }
    }

    private static AudienceProfile Profile(int i)
    {
        var random = new Random(i);
        var profile = new AudienceProfile
        {
            Id = new Guid(i, 0x7000, 0, 1, 2, 3, 4, 5, 6, 7, 8).ToString("N"),
            CustomerVersion = 1,
            Email = $"customer{i}@mail{i % 97}.example",
            EmailDomain = $"mail{i % 97}.example",
            Name = $"Customer {i}",
            NameKey = $"customer {i}",
            Phone = random.Next(10) < 6 ? "+49151" + (10_000_000 + i) : null,
            TimeZone = "europe/berlin",
            City = Cities[random.Next(Cities.Length)],
            Country = Countries[random.Next(Countries.Length)],
            Gender = random.Next(10) < 9 ? Genders[random.Next(Genders.Length)] : null,
            Age = random.Next(10) < 9 ? 18 + random.Next(63) : null,
            Tags = [.. Enumerable.Range(0, random.Next(4)).Select(_ => "tag" + random.Next(50)).Distinct()],
            EmailConsent = random.Next(10) < 3 ? "opted_in" : random.Next(2) == 0 ? "opted_out" : null,
            SmsConsent = random.Next(10) < 2 ? "opted_in" : null,
            PushConsent = random.Next(10) < 2 ? "opted_in" : null,
            CreatedAt = Now.AddDays(-random.Next(1500)),
            TotalSpent = random.Next(10) < 2 ? 0 : Math.Round((decimal)(random.NextDouble() * 2000), 2),
            OrderCount = random.Next(30),
            VisitCount = random.Next(40),
            LastOrderAt = random.Next(10) < 8 ? Now.AddMinutes(-random.Next(60 * 24 * 730)) : null,
            LastVisit = random.Next(10) < 8 ? Now.AddMinutes(-random.Next(60 * 24 * 365)) : null,
            EngagementScore = random.Next(10) < 7 ? Math.Round(random.NextDouble() * 100, 1) : null,
        };
        profile.Attributes["plan"] = new AudienceAttribute { Text = Plans[random.Next(Plans.Length)] };
        profile.Attributes["score"] = new AudienceAttribute { Number = random.Next(1000) };
        return profile;
    }

    private static AudienceOrder Order(int i) => new()
    {
        Id = new Guid(i, 0x7001, 0, 1, 2, 3, 4, 5, 6, 7, 8).ToString("N"),
        CustomerId = new Guid(i, 0x7000, 0, 1, 2, 3, 4, 5, 6, 7, 8).ToString("N"),
        OrderedAt = Now.AddDays(-(i % 400)),
        Amount = 10 + (i % 200),
        Counted = i % 10 != 0,
    };
}
