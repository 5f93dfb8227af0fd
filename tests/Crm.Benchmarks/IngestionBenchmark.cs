using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Crm.Host.Demo;

namespace Crm.Benchmarks;

/// <summary>What the HTTP groups do; the defaults are the issue's figures, the switches make smoke runs small.</summary>
internal sealed record IngestionSettings
{
    public int Customers { get; init; } = 200_000;

    public int Orders { get; init; } = 200_000;

    /// <summary>Rows per bulk call: the API takes up to 100,000.</summary>
    public int RowsPerCall { get; init; } = 100_000;

    /// <summary>Bulk calls in flight at once, as a client splitting a large upload would send them.</summary>
    public int CallsInFlight { get; init; } = 2;

    /// <summary>Orders per customer: the orders go to the first Orders / OrdersPerCustomer customers.</summary>
    public int OrdersPerCustomer { get; init; } = 4;

    public int Rate { get; init; } = 500;

    public int LatencySeconds { get; init; } = 10;

    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(3);

    public bool RunCustomers { get; init; } = true;

    public bool RunOrders { get; init; } = true;

    public bool RunLatency { get; init; } = true;
}

/// <summary>
/// The deployed host over HTTP on loopback: bulk NDJSON ingestion of customers, bulk orders with the time until every
/// customer's totals are exact (the Customers module's handlers update them from order events), and single POST
/// latency under an open-loop load. The data is the demo generator's, so it is what a real client would send.
/// </summary>
internal sealed class IngestionBenchmark(IngestionSettings settings, string workDirectory)
{
    /// <summary>The tag on the customers that receive the orders, so the totals check lists only them.</summary>
    private const string OrdersTag = "bench-orders";
    private const string WarmUpTag = "bench-warm-up";
    /// <summary>The host's default base currency: orders in it need no exchange rate.</summary>
    private const string Currency = "USD";
    private const int WarmUpRows = 40_000;

    // Far from the measured indexes, so warm-up and latency customers never collide with them by email.
    private const int WarmUpIndex = 50_000_000;
    private const int LatencyIndex = 60_000_000;

    private static readonly MediaTypeHeaderValue NdJson = new("application/x-ndjson");
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly DemoData _data = new(TimeProvider.System.GetUtcNow(), Currency);

    /// <param name="portBulkInsertRate">The document port's bulk insert rate in this run (docs/s), measured when asked.</param>
    public async Task<IReadOnlyList<Row>> RunAsync(Func<Task<double>> portBulkInsertRate, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        var stopwatch = Stopwatch.StartNew();
        // The orders need the customers; latency alone runs on the warm-up's store.
        var customerCount = settings.RunCustomers || settings.RunOrders ? settings.Customers : 0;
        var orderCustomers = Math.Min(customerCount, (settings.Orders + settings.OrdersPerCustomer - 1) / settings.OrdersPerCustomer);
        var customers = Enumerable.Range(0, customerCount)
            .Select(i => i < orderCustomers ? WithTag(_data.Customer(i), OrdersTag) : _data.Customer(i))
            .ToArray();
        var customerBodies = NdJsonBodies(customers);
        Console.WriteLine($"  generated {customers.Length:N0} customers in {stopwatch.Elapsed.TotalSeconds:N1} s");

        await using var host = await HostProcess.StartAsync(Path.Combine(workDirectory, "host.db"), cancellationToken);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = host.Address,
            Timeout = TimeSpan.FromMinutes(5),
        };
        try
        {
            await host.SignInAsync(client, cancellationToken);
            var warmUp = await Report.TimeAsync(() => WarmUpAsync(client, cancellationToken));
            Console.WriteLine($"  warmed up in {warmUp:N1} s");

            // Latency first, on a host with no event backlog: the bulk phases leave hundreds of thousands of events
            // to handle for minutes after their totals are exact (the customers' updates reaching Orders), and the
            // figure is meant to be the request's own.
            var latency = settings.RunLatency ? await LatencyAsync(client, cancellationToken) : [];

            // Customers: every row once, the bulk calls sent by CallsInFlight senders.
            var cpuBefore = host.CpuTime;
            var customerSeconds = await Report.TimeAsync(() => SendAllAsync(client, "/api/v1/customers/bulk", customerBodies, cancellationToken));
            if (customers.Length > 0)
            {
                // What two cores can do is bounded by the host's CPU time per row: 40 µs is 50,000 rows/s.
                var cpuPerRow = (host.CpuTime - cpuBefore).TotalMicroseconds / customers.Length;
                Console.WriteLine($"  ingested {customers.Length:N0} customers in {customerSeconds:N2} s; host CPU {cpuPerRow:N1} µs per customer");
            }

            if (settings.RunCustomers)
            {
                var portRate = await portBulkInsertRate();
                var rate = settings.Customers / customerSeconds;
                rows.Add(new Row(
                    $"bulk upsert of {settings.Customers:N0} customers, HTTP NDJSON ({CallsText(customerBodies.Count)})",
                    Report.Rate(rate, "customers/s"),
                    Report.Rate(portRate, "docs/s") + " (port bulk insert)",
                    Report.Overhead(1 / rate, 1 / portRate),
                    ">= 50,000 customers/s",
                    rate >= 50_000));
            }

            if (settings.RunOrders && customers.Length > 0)
            {
                // The orders start on a quiet event stream, so their figure is theirs and not the customers' backlog.
                var known = await WaitUntilOrdersKnowAsync(client, customers[^1].Email, cancellationToken);
                Console.WriteLine($"  Orders knew the last new customer {known:N1} s after the customer calls ended");
                rows.Add(new Row(
                    $"until Orders knows all {customers.Length:N0} new customers (their CustomerCreated events handled)",
                    Report.Millis(known * 1000) + " after the last call",
                    "",
                    "",
                    "(shown)",
                    null));
            }

            if (settings.RunOrders)
            {
                rows.AddRange(await OrdersAsync(client, customers, orderCustomers, cancellationToken));
            }

            rows.AddRange(latency);

            Console.WriteLine($"  host peak working set: {host.PeakWorkingSetBytes / (1024 * 1024):N0} MiB");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{exception.Message}{Environment.NewLine}Host output:{Environment.NewLine}{host.Output}", exception);
        }

        return rows;
    }

    private async Task<IReadOnlyList<Row>> OrdersAsync(HttpClient client, DemoCustomer[] customers, int orderCustomers, CancellationToken cancellationToken)
    {
        var orders = new List<DemoOrder>(settings.Orders);
        var expected = new Dictionary<string, (decimal Spent, int Count)>(StringComparer.Ordinal);
        for (var i = 0; i < orderCustomers; i++)
        {
            var email = customers[i].Email;
            var placed = _data.Orders(i, email, Math.Min(settings.OrdersPerCustomer, settings.Orders - orders.Count));
            orders.AddRange(placed);
            // The harness sends no status changes, so every order counts with the status it is placed with.
            expected[email] = (placed.Sum(o => o.Amount), placed.Count);
        }

        var bodies = NdJsonBodies(orders);
        var started = Stopwatch.StartNew();
        await SendAllAsync(client, "/api/v1/orders/bulk", bodies, cancellationToken);
        var orderSeconds = started.Elapsed.TotalSeconds;
        Console.WriteLine($"  posted {orders.Count:N0} orders in {orderSeconds:N2} s; checking totals");
        var (exact, scans, mismatched) = await WaitForTotalsAsync(client, OrdersTag, expected, LastOfEachCall(orders), cancellationToken);
        var settled = started.Elapsed.TotalSeconds;
        var rate = orders.Count / orderSeconds;
        return
        [
            new Row($"{orders.Count:N0} orders through /orders/bulk ({CallsText(bodies.Count)})", Report.Rate(rate, "orders/s"), "", "", ">= 20,000 orders/s", rate >= 20_000),
            new Row(
                exact
                    ? $"until the totals of all {expected.Count:N0} customers are exact ({scans} list scan{(scans == 1 ? "" : "s")})"
                    : $"totals NOT exact after {settings.SettleTimeout.TotalSeconds:N0} s: {mismatched:N0} of {expected.Count:N0} customers differ",
                Report.Millis(settled * 1000) + " from the first call",
                "",
                "",
                Report.Rate(orders.Count / settled, "orders/s") + " with totals",
                exact ? null : false),
        ];
    }

    /// <summary>
    /// Lists the tagged customers page by page until every one's totals equal what the harness sent. A scan is a
    /// snapshot over time, so the figure is when the first scan without a difference ended. The list is a heavy read
    /// that would compete with the event handlers for the host's two cores, so a scan starts only once the customers
    /// whose orders were sent last (<paramref name="lastEmails"/>) show their totals: events are handled in commit
    /// order, so the others are then done or nearly.
    /// </summary>
    private async Task<(bool Exact, int Scans, int Mismatched)> WaitForTotalsAsync(
        HttpClient client,
        string tag,
        Dictionary<string, (decimal Spent, int Count)> expected,
        IReadOnlyCollection<string> lastEmails,
        CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var scans = 0;
        var mismatched = expected.Count;
        while (deadline.Elapsed < settings.SettleTimeout)
        {
            if (!await ShowTotalsAsync(client, lastEmails, expected, cancellationToken))
            {
                await Task.Delay(100, cancellationToken);
                continue;
            }

            scans++;
            mismatched = 0;
            var seen = 0;
            await foreach (var customer in CustomersApi.ListAsync(client, $"tag={tag}", cancellationToken))
            {
                seen++;
                if (!Matches(customer, expected))
                {
                    mismatched++;
                }
            }

            mismatched += Math.Max(0, expected.Count - seen);
            if (mismatched == 0)
            {
                return (true, scans, 0);
            }

            await Task.Delay(200, cancellationToken);
        }

        return (false, scans, mismatched);
    }

    private static async Task<bool> ShowTotalsAsync(
        HttpClient client, IReadOnlyCollection<string> emails, Dictionary<string, (decimal Spent, int Count)> expected, CancellationToken cancellationToken)
    {
        foreach (var email in emails)
        {
            var found = false;
            await foreach (var customer in CustomersApi.ListAsync(client, "q=" + Uri.EscapeDataString(email), cancellationToken))
            {
                if (customer.Email == email)
                {
                    found = Matches(customer, expected);
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Matches(ListedCustomer customer, Dictionary<string, (decimal Spent, int Count)> expected) =>
        expected.TryGetValue(customer.Email, out var want) && customer.TotalSpent == want.Spent && customer.OrderCount == want.Count;

    /// <summary>The customer of the last row of each call, whose totals are the last to change.</summary>
    private string[] LastOfEachCall(IReadOnlyList<DemoOrder> orders) =>
        [.. Enumerable.Range(0, (orders.Count + settings.RowsPerCall - 1) / settings.RowsPerCall)
            .Select(call => orders[Math.Min(orders.Count, (call + 1) * settings.RowsPerCall) - 1].CustomerEmail)
            .Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Seconds until the Orders module knows the customer with <paramref name="email"/>: an order naming its id is
    /// refused (422, unknown customer) until the customer's CustomerCreated event has reached Orders. Events are handled in commit
    /// order, a batch at a time, so the last customer known means the customers' events are handled. The probe order
    /// (amount 0, a source of its own) goes to a customer outside the orders' set.
    /// </summary>
    private async Task<double> WaitUntilOrdersKnowAsync(HttpClient client, string email, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? id = null;
        await foreach (var customer in CustomersApi.ListAsync(client, "q=" + Uri.EscapeDataString(email), cancellationToken))
        {
            id = customer.Id;
        }

        for (var attempt = 0; clock.Elapsed < settings.SettleTimeout; attempt++)
        {
            var probe = new { source = "bench-probe", externalOrderId = $"probe-{attempt}", customerId = id, amount = 0, currency = Currency };
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(probe));
            content.Headers.ContentType = Json;
            using var response = await client.PostAsync(new Uri("/api/v1/orders", UriKind.Relative), content, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return clock.Elapsed.TotalSeconds;
            }

            if (response.StatusCode != HttpStatusCode.UnprocessableEntity)
            {
                throw new InvalidOperationException($"The probe order answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"Orders did not know the last new customer after {settings.SettleTimeout.TotalSeconds:N0} s");
    }

    /// <summary>
    /// Open loop: request i is due at i / rate seconds whatever happened to the others, and its latency runs from
    /// that moment, so a host that falls behind shows its queue in the figures instead of slowing the load down.
    /// </summary>
    private async Task<IReadOnlyList<Row>> LatencyAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var count = settings.Rate * settings.LatencySeconds;
        var warmUp = settings.Rate;
        var bodies = Enumerable.Range(LatencyIndex, warmUp + count)
            .Select(i => JsonSerializer.SerializeToUtf8Bytes(_data.Customer(i), DemoJson.Options))
            .ToArray();
        var latencies = new double[count];
        var failures = 0;
        var ticksPerRequest = Stopwatch.Frequency / (double)settings.Rate;
        var inFlight = new List<Task>(warmUp + count);
        var clock = Stopwatch.StartNew();
        var next = 0;
        while (next < bodies.Length)
        {
            var now = clock.ElapsedTicks;
            for (; next < bodies.Length && (long)(next * ticksPerRequest) <= now; next++)
            {
                var index = next;
                var due = (long)(index * ticksPerRequest);
                inFlight.Add(Task.Run(
                    async () =>
                    {
                        using var content = new ByteArrayContent(bodies[index]);
                        content.Headers.ContentType = Json;
                        var created = false;
                        try
                        {
                            using var response = await client.PostAsync(new Uri("/api/v1/customers", UriKind.Relative), content, cancellationToken);
                            created = response.StatusCode == HttpStatusCode.Created;
                        }
                        catch (HttpRequestException)
                        {
                            // Counted below: a refused or broken connection is a failed request, not a crash of the run.
                        }

                        var elapsed = (clock.ElapsedTicks - due) * 1000.0 / Stopwatch.Frequency;
                        if (!created)
                        {
                            Interlocked.Increment(ref failures);
                        }

                        if (index >= warmUp)
                        {
                            latencies[index - warmUp] = elapsed;
                        }
                    },
                    cancellationToken));
            }

            await Task.Delay(1, cancellationToken);
        }

        await Task.WhenAll(inFlight);
        var sent = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        var p50 = latencies[count / 2];
        var p99 = latencies[Math.Min(count - 1, (int)Math.Ceiling(count * 0.99) - 1)];
        var work = $"single POST /customers at {settings.Rate}/s, open loop, {settings.LatencySeconds} s ({count:N0} requests after {warmUp:N0} warm-up{(failures > 0 ? $", {failures:N0} NOT 201" : "")})";
        Console.WriteLine($"  latency run: {bodies.Length:N0} requests in {sent:N1} s, max {latencies[^1]:N1} ms");
        return
        [
            new Row(work + ": p50", Report.Millis(p50), "", "", "(shown)", failures > 0 ? false : null),
            new Row(work + ": p99", Report.Millis(p99), "", "", "(shown)", failures > 0 ? false : null),
        ];
    }

    /// <summary>
    /// JIT and the host's first connections: a small bulk call of customers and of their orders, not timed. It waits
    /// until their totals are exact, so no warm-up event is still queued when the timing starts.
    /// </summary>
    private async Task WarmUpAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var customers = Enumerable.Range(WarmUpIndex, WarmUpRows).Select(i => WithTag(_data.Customer(i), WarmUpTag)).ToArray();
        await SendAllAsync(client, "/api/v1/customers/bulk", NdJsonBodies(customers), cancellationToken);
        var orders = customers.Select((c, i) => _data.Orders(WarmUpIndex + i, c.Email, i < WarmUpRows / 4 ? 4 : 0)).ToArray();
        await SendAllAsync(client, "/api/v1/orders/bulk", NdJsonBodies([.. orders.SelectMany(o => o)]), cancellationToken);
        var expected = customers.Select((c, i) => (c.Email, Orders: orders[i]))
            .ToDictionary(e => e.Email, e => (e.Orders.Sum(o => o.Amount), e.Orders.Count), StringComparer.Ordinal);
        var (exact, _, mismatched) = await WaitForTotalsAsync(client, WarmUpTag, expected, LastOfEachCall([.. orders.SelectMany(o => o)]), cancellationToken);
        if (!exact)
        {
            throw new InvalidOperationException($"The warm-up's totals were not exact after {settings.SettleTimeout.TotalSeconds:N0} s: {mismatched:N0} customers differ");
        }
    }

    /// <summary>Sends the bodies with <see cref="IngestionSettings.CallsInFlight"/> calls at a time; any refused row fails the run.</summary>
    private async Task SendAllAsync(HttpClient client, string path, IReadOnlyList<byte[]> bodies, CancellationToken cancellationToken)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(settings.CallsInFlight, bodies.Count)).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < bodies.Count)
            {
                using var content = new ByteArrayContent(bodies[index]);
                content.Headers.ContentType = NdJson;
                using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                BulkAnswer.Check(path, response.StatusCode, text);
            }
        }));
    }

    private List<byte[]> NdJsonBodies<T>(IReadOnlyList<T> rows)
    {
        var bodies = new List<byte[]>();
        for (var start = 0; start < rows.Count; start += settings.RowsPerCall)
        {
            using var buffer = new MemoryStream();
            for (var i = start; i < Math.Min(rows.Count, start + settings.RowsPerCall); i++)
            {
                JsonSerializer.Serialize(buffer, rows[i], DemoJson.Options);
                buffer.WriteByte((byte)'\n');
            }

            bodies.Add(buffer.ToArray());
        }

        return bodies;
    }

    private string CallsText(int calls) =>
        string.Create(CultureInfo.InvariantCulture, $"{calls} call{(calls == 1 ? "" : "s")} of <= {settings.RowsPerCall:N0}, {Math.Min(calls, settings.CallsInFlight)} in flight");

    private static DemoCustomer WithTag(DemoCustomer customer, string tag) => customer with { Tags = [.. customer.Tags, tag] };
}
