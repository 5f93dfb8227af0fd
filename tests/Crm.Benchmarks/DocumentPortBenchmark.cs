using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Sqlite;

namespace Crm.Benchmarks;

/// <summary>
/// The document port on SQLite against plain Microsoft.Data.Sqlite doing the same work, in the same run, on the
/// same data: bulk insert, loads by id, concurrent single-document updates, and counts by an indexed and an
/// unindexed path.
/// </summary>
internal sealed class DocumentPortBenchmark(int documents, string workDirectory)
{
    private const int Loads = 10_000;
    private const int Updates = 10_000;
    private const int Writers = 8;
    private const double MaxOverhead = 1.3;
    private const int BulkRuns = 3;

    /// <summary>The port's median bulk insert rate (docs/s) once <see cref="RunAsync"/> has run.</summary>
    public double? BulkInsertRate { get; private set; }

    public async Task<IReadOnlyList<Row>> RunAsync()
    {
        var now = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var customers = BenchData.Customers(documents, now);
        var random = new Random(7);
        var loadIds = Enumerable.Range(0, Loads).Select(_ => customers[random.Next(documents)].Id).ToArray();
        var updateIds = Enumerable.Range(0, Updates).Select(_ => customers[random.Next(documents)].Id).ToArray();
        var rows = new List<Row>();

        // Bulk insert: every document once, batched transactions on both sides. Each side warms up on a file of its
        // own, then inserts into fresh files three times; the median counts and the last files serve what follows.
        await WarmUpAsync(customers);
        SqliteDocumentStore? port = null;
        PlainSqlite? plain = null;
        var portInserts = new double[BulkRuns];
        var plainInserts = new double[BulkRuns];
        for (var run = 0; run < BulkRuns; run++)
        {
            if (port is not null)
            {
                await port.DisposeAsync();
            }

            plain?.Dispose();
            port = CreateStore($"port-normal-{run}.db", SqliteSynchronous.Normal);
            plain = new PlainSqlite(Path.Combine(workDirectory, $"plain-normal-{run}.db"), "NORMAL");
            var store = port;
            portInserts[run] = await Report.TimeAsync(async () =>
            {
                var result = await store.BulkWriteAsync(customers, BulkWriteMode.Insert);
                Check(result.Inserted == documents, $"port inserted {result.Inserted} of {documents}");
            });
            var target = plain;
            plainInserts[run] = Report.Time(() => target.Insert(customers, batchSize: 5_000));
        }

        await using var portStore = port!;
        using var plainStore = plain!;
        rows.Add(RateRow($"bulk insert of {documents:N0} documents (median of {BulkRuns})", documents, Report.Median(portInserts), Report.Median(plainInserts), "docs/s", minimumRate: 100_000));
        BulkInsertRate = documents / Report.Median(portInserts);

        // Loads by id: a session per load, as a request handler would open one.
        var portLoads = await Report.MedianAsync(7, async () =>
        {
            var found = 0;
            foreach (var id in loadIds)
            {
                await using var session = portStore.OpenSession();
                if (await session.LoadAsync<BenchCustomer>(id) is not null)
                {
                    found++;
                }
            }

            Check(found == Loads, $"port found {found} of {Loads}");
        });
        var plainLoads = await Report.MedianAsync(7, () =>
        {
            Check(plainStore.LoadById(loadIds) == Loads, "plain SQLite missed documents");
            return Task.CompletedTask;
        });
        rows.Add(RateRow($"{Loads:N0} loads by id", Loads, portLoads, plainLoads, "loads/s", minimumRate: null));

        // Concurrent single-document updates: 8 writers, one commit per update.
        var portUpdates = await Report.TimeAsync(() => PortIncrementsAsync(portStore, updateIds));
        var plainUpdates = Report.Time(() => plainStore.ConcurrentIncrements(updateIds, Writers));
        rows.Add(RateRow($"{Updates:N0} updates, {Writers} writers, synchronous=NORMAL", Updates, portUpdates, plainUpdates, "updates/s", minimumRate: 20_000, overheadTarget: false));
        await CheckIncrementsAsync(portStore, updateIds);

        // The same with synchronous=FULL, on smaller stores of their own (the figure is about commits, not size).
        await using (var portFull = CreateStore("port-full.db", SqliteSynchronous.Full))
        using (var plainFull = new PlainSqlite(Path.Combine(workDirectory, "plain-full.db"), "FULL"))
        {
            var subset = customers.Take(20_000).ToArray();
            await portFull.BulkWriteAsync(subset, BulkWriteMode.Insert);
            plainFull.Insert(subset, batchSize: 5_000);
            var fullIds = updateIds.Select(id => subset[Math.Abs(id.GetHashCode(StringComparison.Ordinal)) % subset.Length].Id).ToArray();
            var portFullUpdates = await Report.TimeAsync(() => PortIncrementsAsync(portFull, fullIds));
            var plainFullUpdates = Report.Time(() => plainFull.ConcurrentIncrements(fullIds, Writers));
            rows.Add(RateRow($"{Updates:N0} updates, {Writers} writers, synchronous=FULL", Updates, portFullUpdates, plainFullUpdates, "updates/s", minimumRate: null, overheadTarget: false));
        }

        // Counts: by a declared, indexed path and by a path with no index.
        const string city = "Paris";
        const string country = "FR";
        long portCityCount = 0, portCountryCount = 0;
        var portCity = await Report.MedianAsync(5, async () =>
        {
            await using var session = portStore.OpenSession();
            portCityCount = await session.Query<BenchCustomer>().Where(c => c.Profile.City == city).CountAsync();
        });
        var plainCity = await Report.MedianAsync(5, () => { Check(plainStore.CountByCity(city) == portCityCount, "city counts differ"); return Task.CompletedTask; });
        rows.Add(TimeRow($"count by indexed path ({portCityCount:N0} match)", portCity, plainCity));

        var portCountry = await Report.MedianAsync(3, async () =>
        {
            await using var session = portStore.OpenSession();
            portCountryCount = await session.Query<BenchCustomer>().Where(c => c.Profile.Country == country).CountAsync();
        });
        var plainCountry = await Report.MedianAsync(3, () => { Check(plainStore.CountByCountry(country) == portCountryCount, "country counts differ"); return Task.CompletedTask; });
        rows.Add(TimeRow($"count by unindexed path ({portCountryCount:N0} match)", portCountry, plainCountry));

        return rows;
    }

    /// <summary>The port's bulk insert alone, warmed up, once: the yardstick beside HTTP ingestion when the port group is not run.</summary>
    public async Task<double> BulkInsertRateOnceAsync()
    {
        var customers = BenchData.Customers(documents, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        await WarmUpAsync(customers);
        await using var store = CreateStore("port-once.db", SqliteSynchronous.Normal);
        var seconds = await Report.TimeAsync(async () =>
        {
            var result = await store.BulkWriteAsync(customers, BulkWriteMode.Insert);
            Check(result.Inserted == documents, $"port inserted {result.Inserted} of {documents}");
        });
        return documents / seconds;
    }

    /// <summary>JIT and caches: both sides insert a slice once into throwaway files before anything is timed.</summary>
    private async Task WarmUpAsync(BenchCustomer[] customers)
    {
        var slice = customers.Take(Math.Min(20_000, customers.Length)).ToArray();
        await using (var store = CreateStore("warm-port.db", SqliteSynchronous.Normal))
        {
            await store.BulkWriteAsync(slice, BulkWriteMode.Insert);
        }

        using var plain = new PlainSqlite(Path.Combine(workDirectory, "warm-plain.db"), "NORMAL");
        plain.Insert(slice, batchSize: 5_000);
    }

    private SqliteDocumentStore CreateStore(string file, SqliteSynchronous synchronous)
    {
        var model = new DocumentModel();
        model.Add(new DocumentCollection("bench.customers", typeof(BenchCustomer),
        [
            new DocumentIndex((System.Linq.Expressions.Expression<Func<BenchCustomer, string>>)(c => c.Email), Unique: true),
            new DocumentIndex((System.Linq.Expressions.Expression<Func<BenchCustomer, string>>)(c => c.Profile.City), Unique: false),
        ]));
        return new SqliteDocumentStore(model, new SqliteStoreOptions { Path = Path.Combine(workDirectory, file), Synchronous = synchronous });
    }

    private static Task PortIncrementsAsync(IDocumentStore store, string[] ids)
    {
        var perWriter = ids.Length / Writers;
        return Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            for (var i = writer * perWriter; i < (writer + 1) * perWriter; i++)
            {
                await using var session = store.OpenSession();
                session.Patch<BenchCustomer>(ids[i], p => p.Increment(c => c.Behaviour.VisitCount, 1));
                await session.SaveChangesAsync();
            }
        })));
    }

    /// <summary>The figure only counts if no update was lost: every document gained exactly its number of updates.</summary>
    private async Task CheckIncrementsAsync(IDocumentStore store, string[] ids)
    {
        var original = BenchData.Customers(documents, new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)).ToDictionary(c => c.Id);
        await using var session = store.OpenSession();
        foreach (var group in ids.GroupBy(id => id).Take(500))
        {
            var stored = await session.LoadAsync<BenchCustomer>(group.Key);
            Check(stored!.Behaviour.VisitCount == original[group.Key].Behaviour.VisitCount + group.Count(), $"lost an update on {group.Key}");
        }
    }

    private static Row RateRow(string work, int count, double portSeconds, double plainSeconds, string unit, double? minimumRate, bool overheadTarget = true)
    {
        var portRate = count / portSeconds;
        var met = (minimumRate is null || portRate >= minimumRate) && (!overheadTarget || portSeconds / plainSeconds <= MaxOverhead);
        var target = string.Join(", ", new[]
        {
            minimumRate is null ? null : $">= {minimumRate:N0} {unit}",
            overheadTarget ? $"<= {MaxOverhead}x plain" : null,
        }.Where(t => t is not null));
        return new Row(work, Report.Rate(portRate, unit), Report.Rate(count / plainSeconds, unit), Report.Overhead(portSeconds, plainSeconds), target, target.Length == 0 ? null : met);
    }

    private static Row TimeRow(string work, double portSeconds, double plainSeconds) =>
        new(work, Report.Millis(portSeconds * 1000), Report.Millis(plainSeconds * 1000), Report.Overhead(portSeconds, plainSeconds), $"<= {MaxOverhead}x plain", portSeconds / plainSeconds <= MaxOverhead);

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark result is wrong: " + message);
        }
    }
}
