using System.Globalization;
using System.Text.Json;
using Crm.Modules.Customers.Domain;
using Crm.Modules.Customers.Features.BulkUpsertCustomers;
using Crm.Modules.Customers.Features.ListCustomers;
using Crm.Modules.Orders.Domain;
using Crm.Modules.Orders.Features.ChangeOrderStatus;
using Crm.Modules.Orders.Features.PlaceOrdersInBulk;
using Crm.SharedKernel.Web.Bulk;
using Mediator;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.Host.Demo;

/// <summary>What a seed did: nothing (the store held customers already), or how much it wrote.</summary>
internal sealed record DemoSeedOutcome(bool Seeded, int Customers, int Orders, int StatusChanges, IReadOnlyDictionary<string, DemoTotals> Expected)
{
    public static readonly DemoSeedOutcome Skipped = new(false, 0, 0, 0, new Dictionary<string, DemoTotals>(StringComparer.Ordinal));
}

/// <summary>A customer's totals once every event of the seed is handled: the sum and count of their counted orders.</summary>
internal sealed record DemoTotals(decimal TotalSpent, int OrderCount);

/// <summary>
/// Fills an empty store with demo customers and orders through the modules' own requests (bulk upsert, bulk orders,
/// status changes), exactly as clients' data arrives, so the modules publish their events and the Customers module
/// computes the totals itself. It never writes a module's collections.
/// </summary>
internal sealed partial class DemoSeeder(
    IServiceScopeFactory scopes,
    IOptions<HttpJsonOptions> json,
    IOptions<OrdersOptions> orders,
    TimeProvider time,
    ILogger<DemoSeeder> logger)
{
    private const int CustomersPerCall = 5_000;
    private const int OrdersPerCall = 10_000;
    private const int ConcurrentStatusChanges = 4;

    public async Task<DemoSeedOutcome> SeedAsync(int customers, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(customers);
        if (!await IsEmptyAsync(cancellationToken).ConfigureAwait(false))
        {
            LogNotEmpty(logger);
            return DemoSeedOutcome.Skipped;
        }

        // Demo orders are in the base currency, so they need no exchange rate and totals are their plain sums.
        var data = new DemoData(time.GetUtcNow(), orders.Value.BaseCurrency);
        var expected = new Dictionary<string, DemoTotals>(StringComparer.Ordinal);
        var demoOrders = new List<DemoOrder>();
        var stored = 0;
        for (var start = 0; start < customers; start += CustomersPerCall)
        {
            var batch = Enumerable.Range(start, Math.Min(CustomersPerCall, customers - start)).Select(data.Customer).ToArray();
            using var body = await BodyAsync(batch, cancellationToken).ConfigureAwait(false);
            var answer = await SendAsync(new BulkUpsertCustomers(body), cancellationToken).ConfigureAwait(false);
            Check(answer.Failed, answer.Errors, "customers");
            stored += answer.Inserted + answer.Updated + answer.Unchanged;
            for (var i = 0; i < batch.Length; i++)
            {
                var placed = data.Orders(start + i, batch[i].Email);
                demoOrders.AddRange(placed);
                var counted = placed.Where(o => o.Counted).ToArray();
                expected[batch[i].Email] = new DemoTotals(counted.Sum(o => o.Amount), counted.Length);
            }

            LogCustomers(logger, stored, customers);
        }

        var placedCount = 0;
        foreach (var batch in demoOrders.Chunk(OrdersPerCall))
        {
            var answer = await SendAsync(new PlaceOrdersInBulk(Rows<DemoOrder, OrderInput>(batch)), cancellationToken).ConfigureAwait(false);
            Check(answer.Failed, answer.Errors, "orders");
            placedCount += answer.Inserted;
            LogOrders(logger, placedCount, demoOrders.Count);
        }

        var changed = await ChangeStatusesAsync([.. demoOrders.Where(o => o.LaterStatus is not null)], cancellationToken).ConfigureAwait(false);
        LogSeeded(logger, stored, placedCount, changed);
        return new DemoSeedOutcome(true, stored, placedCount, changed, expected);
    }

    /// <summary>
    /// Waits until every seeded customer's totals, as the customers list shows them, are the sums of their counted
    /// orders: the order events have then all been handled. False when <paramref name="timeout"/> ran out first.
    /// </summary>
    public async Task<bool> WaitUntilSettledAsync(DemoSeedOutcome outcome, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var totals = await TotalsAsync(deadline.Token).ConfigureAwait(false);
                var unsettled = outcome.Expected.Count(pair => !totals.TryGetValue(pair.Key, out var shown) || shown != pair.Value);
                if (unsettled == 0)
                {
                    LogSettled(logger, outcome.Expected.Count);
                    return true;
                }

                LogUnsettled(logger, unsettled, outcome.Expected.Count);
                await Task.Delay(TimeSpan.FromSeconds(1), time, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Every customer's totals as the customers list shows them, by email.</summary>
    public async Task<IReadOnlyDictionary<string, DemoTotals>> TotalsAsync(CancellationToken cancellationToken)
    {
        var totals = new Dictionary<string, DemoTotals>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var page = await ListAsync(ListCustomers.MaxLimit, next, cancellationToken).ConfigureAwait(false);
            foreach (var customer in page.Items)
            {
                totals[customer.Email] = new DemoTotals(customer.Behaviour.TotalSpent, customer.Behaviour.OrderCount);
            }

            next = page.Next;
        }
        while (next is not null);
        return totals;
    }

    private async Task<bool> IsEmptyAsync(CancellationToken cancellationToken) =>
        (await ListAsync(1, null, cancellationToken).ConfigureAwait(false)).Items.Count == 0;

    private async Task<CustomerPage> ListAsync(int limit, string? next, CancellationToken cancellationToken)
    {
        var request = new ListCustomers(null, null, null, null, null, null, limit.ToString(CultureInfo.InvariantCulture), next);
        var result = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return result.IsSuccess ? result.Value : throw new InvalidOperationException($"Listing customers failed: {result.Error.Code}");
    }

    /// <summary>
    /// Refunds and cancellations, as a shop reports them after the order. The bulk answer gives no ids of new orders,
    /// so the orders are sent again: each comes back as a duplicate naming the id of the order recorded first.
    /// </summary>
    private async Task<int> ChangeStatusesAsync(DemoOrder[] orders, CancellationToken cancellationToken)
    {
        var changes = new List<(string Id, string Status)>(orders.Length);
        foreach (var batch in orders.Chunk(OrdersPerCall))
        {
            var answer = await SendAsync(new PlaceOrdersInBulk(Rows<DemoOrder, OrderInput>(batch)), cancellationToken).ConfigureAwait(false);
            if (answer.Duplicates.Count != batch.Length)
            {
                throw new InvalidOperationException($"{batch.Length - answer.Duplicates.Count} demo orders to refund or cancel were not found again");
            }

            foreach (var duplicate in answer.Duplicates)
            {
                var status = batch[duplicate.Row - 1].LaterStatus!.Value;
                changes.Add((duplicate.Id!, JsonNamingPolicy.CamelCase.ConvertName(status.ToString())));
            }
        }

        var changed = 0;
        await Parallel.ForEachAsync(
            changes,
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentStatusChanges, CancellationToken = cancellationToken },
            async (change, token) =>
            {
                var result = await SendAsync(new ChangeOrderStatus(change.Id, change.Status, IfMatch: null), token).ConfigureAwait(false);
                if (result.IsFailure)
                {
                    throw new InvalidOperationException($"The demo order {change.Id} could not be {change.Status}: {result.Error.Code}");
                }

                Interlocked.Increment(ref changed);
            }).ConfigureAwait(false);
        return changed;
    }

    private async Task<TResponse> SendAsync<TResponse>(IRequest<TResponse> request, CancellationToken cancellationToken)
    {
        // The mediator is scoped, as for a request: one scope per call.
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The demo rows as the API would bind them: written in the wire form and read with the host's JSON settings.</summary>
    /// <summary>The rows as the NDJSON body a client would send, read the way the bulk endpoint reads it.</summary>
    private async Task<BulkBody> BodyAsync<TDemo>(IReadOnlyList<TDemo> rows, CancellationToken cancellationToken)
    {
        using var ndjson = new MemoryStream();
        foreach (var row in rows)
        {
            JsonSerializer.Serialize(ndjson, row, DemoJson.Options);
            ndjson.WriteByte((byte)'\n');
        }

        ndjson.Position = 0;
        var body = await BulkBody.ReadAsync(ndjson, BulkFormat.Ndjson, json.Value.SerializerOptions, new BulkReadOptions(), cancellationToken).ConfigureAwait(false);
        return body.IsSuccess ? body.Value : throw new InvalidOperationException($"The demo rows did not read as a bulk body: {body.Error.Message}");
    }

    private BulkRow<TInput>[] Rows<TDemo, TInput>(IReadOnlyList<TDemo> rows)
        where TInput : class =>
        [.. rows.Select((row, i) => new BulkRow<TInput>(
            i + 1,
            JsonSerializer.Deserialize<TInput>(JsonSerializer.SerializeToUtf8Bytes(row, DemoJson.Options), json.Value.SerializerOptions),
            null))];

    /// <summary>A refused demo row is a bug in the generator or a rule it does not know: stop and say which.</summary>
    private static void Check(int failed, IReadOnlyList<BulkRowError> errors, string what)
    {
        if (failed > 0)
        {
            var first = errors[0];
            throw new InvalidOperationException($"{failed} demo {what} were refused; row {first.Row}: {first.Field} {first.Reason}");
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Demo seed skipped: the store holds customers already")]
    private static partial void LogNotEmpty(ILogger logger);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Demo seed: {Stored} of {Total} customers stored")]
    private static partial void LogCustomers(ILogger logger, int stored, int total);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Demo seed: {Placed} of {Total} orders placed")]
    private static partial void LogOrders(ILogger logger, int placed, int total);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Information, Message = "Demo seed done: {Customers} customers, {Orders} orders, {Changed} refunded or cancelled; totals follow as events are handled")]
    private static partial void LogSeeded(ILogger logger, int customers, int orders, int changed);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Information, Message = "Demo seed settled: the totals of all {Customers} customers match their orders")]
    private static partial void LogSettled(ILogger logger, int customers);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Information, Message = "Demo seed: {Unsettled} of {Customers} customers' totals still wait for order events")]
    private static partial void LogUnsettled(ILogger logger, int unsettled, int customers);
}
