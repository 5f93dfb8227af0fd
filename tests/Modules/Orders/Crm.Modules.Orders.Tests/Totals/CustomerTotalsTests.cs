using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Modules.Orders.Domain;
using Crm.Modules.Orders.Tests.Support;

namespace Crm.Modules.Orders.Tests.Totals;

/// <summary>
/// The Customers module keeps each customer's total spent and order count from the order events this module
/// publishes. These tests drive both modules through HTTP on one real host and compare the totals with the orders.
/// </summary>
public sealed class CustomerTotalsTests : OrdersHostFixture
{
    private static readonly TimeSpan SettleWithin = TimeSpan.FromSeconds(120);

    [Test]
    public async Task After_1000_orders_posted_concurrently_for_50_customers_every_customers_totals_equal_their_counted_orders()
    {
        // 40 customers created through the API (ordered by id and by email), 10 known only by the emails on their orders.
        var customers = new List<Person>();
        for (var i = 0; i < 40; i++)
        {
            customers.Add(new Person(await CreateCustomerAsync(), Known: true));
        }

        for (var i = 0; i < 10; i++)
        {
            customers.Add(new Person(new CustomerRef(null, UniqueEmail()), Known: false));
        }

        await WaitUntilOrdersKnowAsync(customers.Where(c => c.Known).Select(c => c.Ref.Id!));

        var random = new Random(20261124);
        var plans = Enumerable.Range(0, 1000).Select(i => PlanOrder(i, customers[random.Next(customers.Count)], random)).ToList();
        var outcomes = new ConcurrentBag<(Person Person, decimal BaseAmount, bool Counts)>();

        await Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (plan, cancellationToken) =>
        {
            var order = await PostAsync(plan.Body, expected: 201);
            if (plan.ResendToo)
            {
                var again = await PostAsync(plan.Body, expected: 200);
                Assert.That(again.GetProperty("id").GetString(), Is.EqualTo(order.GetProperty("id").GetString()));
            }

            var id = order.GetProperty("id").GetString()!;
            foreach (var status in plan.Then)
            {
                using var response = await Client.PatchAsJsonAsync(Url($"/api/v1/orders/{id}/status"), new { status }, cancellationToken);
                Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync(cancellationToken));
            }

            var final = plan.Then.Count == 0 ? "placed" : plan.Then[^1];
            outcomes.Add((plan.Person, order.GetProperty("baseAmount").GetDecimal(), final is "placed" or "paid"));
        });

        Assert.That(outcomes, Has.Count.EqualTo(1000));
        Assert.That(outcomes.Count(o => !o.Counts), Is.GreaterThan(50), "some orders were refunded or cancelled");
        var expected = customers
            .Select(c => (Person: c, Total: outcomes.Where(o => o.Person == c && o.Counts).Sum(o => o.BaseAmount), Count: outcomes.Count(o => o.Person == c && o.Counts)))
            .ToList();

        await Eventually.ThatAsync(async () =>
        {
            foreach (var (person, total, count) in expected)
            {
                var id = person.Ref.Id ?? await CustomerIdOfAsync(person.Ref.Email);
                if (id is null || await TotalsOfAsync(id) != (total, count))
                {
                    return false;
                }
            }

            return true;
        }, "every customer's totals equal the sum of their counted orders", SettleWithin);

        foreach (var (person, total, count) in expected)
        {
            var id = person.Ref.Id ?? await CustomerIdOfAsync(person.Ref.Email);
            Assert.That(await TotalsOfAsync(id!), Is.EqualTo((total, count)), person.Ref.Email);
        }
    }

    [Test]
    public async Task Orders_sent_again_by_post_and_twice_in_bulk_leave_the_totals_unchanged()
    {
        var customer = await CreateCustomerAsync();
        await WaitUntilOrdersKnowAsync([customer.Id!]);
        var single = new { externalOrderId = Unique("ext"), customerId = customer.Id, amount = 10.50m, currency = "USD" };
        var rows = Enumerable.Range(0, 5)
            .Select(i => new { source = "shop", externalOrderId = Unique("ext"), customerEmail = customer.Email, amount = 1.25m * (i + 1), currency = "EUR" })
            .ToArray();

        await PostAsync(single, expected: 201);
        var firstBulk = await BulkAsync(rows);
        Assert.That(firstBulk.GetProperty("inserted").GetInt32(), Is.EqualTo(5));
        var bulkBase = rows.Sum(r => decimal.Round(r.amount * 1.08m, 2, MidpointRounding.AwayFromZero));
        var expected = (10.50m + bulkBase, 6);
        await Eventually.ThatAsync(async () => await TotalsOfAsync(customer.Id!) == expected, "the first orders are counted", SettleWithin);

        await PostAsync(single, expected: 200);
        Assert.That((await BulkAsync(rows)).GetProperty("unchanged").GetInt32(), Is.EqualTo(5));
        Assert.That((await BulkAsync(rows)).GetProperty("inserted").GetInt32(), Is.Zero);

        // The customer's events are delivered in order: once a later order is counted, a second count of a re-sent one would show.
        await PostAsync(new { externalOrderId = Unique("ext"), customerId = customer.Id, amount = 1m, currency = "USD" }, expected: 201);
        await Eventually.ThatAsync(
            async () => (await TotalsOfAsync(customer.Id!)).Count == 7,
            "the later order is counted",
            SettleWithin);
        Assert.That(await TotalsOfAsync(customer.Id!), Is.EqualTo((expected.Item1 + 1m, 7)));
    }

    private static OrderPlan PlanOrder(int index, Person person, Random random)
    {
        var currency = random.Next(4) == 0 ? "EUR" : "USD";
        var amount = random.Next(100, 50_000) / 100m;
        var byId = person.Known && random.Next(2) == 0;
        var body = new
        {
            source = "load",
            externalOrderId = $"o-{index}-{Guid.NewGuid():N}",
            customerId = byId ? person.Ref.Id : null,
            customerEmail = byId ? null : person.Ref.Email,
            amount,
            currency,
        };

        var roll = random.Next(100);
        List<string> then = roll switch
        {
            < 8 => ["paid", "refunded"],
            < 14 => ["cancelled"],
            < 50 => ["paid"],
            _ => [],
        };
        return new OrderPlan(person, body, then, ResendToo: random.Next(20) == 0);
    }

    private async Task<CustomerRef> CreateCustomerAsync()
    {
        var email = UniqueEmail();
        using var response = await Client.PostAsJsonAsync(Url("/api/v1/customers"), new { email, name = "Load Test" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(201), body);
        return new CustomerRef(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString(), email);
    }

    private async Task WaitUntilOrdersKnowAsync(IEnumerable<string> ids)
    {
        var wanted = ids.ToList();
        await Eventually.ThatAsync(async () =>
        {
            await using var session = Store.OpenSession();
            return (await session.LoadManyAsync<OrderCustomer>(wanted)).Count == wanted.Count;
        }, "the Orders module knows every customer", SettleWithin);
    }

    private async Task<JsonElement> PostAsync(object body, int expected)
    {
        using var response = await Client.PostAsJsonAsync(Url("/api/v1/orders"), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(expected), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<JsonElement> BulkAsync(object rows)
    {
        using var response = await Client.PostAsJsonAsync(Url("/api/v1/orders/bulk"), rows);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<(decimal Total, int Count)> TotalsOfAsync(string customerId)
    {
        using var response = await Client.GetAsync(Url($"/api/v1/customers/{customerId}"));
        if (!response.IsSuccessStatusCode)
        {
            return (-1m, -1);
        }

        var behaviour = (await response.ReadJsonAsync()).GetProperty("behaviour");
        return (behaviour.GetProperty("totalSpent").GetDecimal(), behaviour.GetProperty("orderCount").GetInt32());
    }

    /// <summary>A customer created from an order's email: their id reaches the orders once Orders sees the creation.</summary>
    private async Task<string?> CustomerIdOfAsync(string email)
    {
        using var response = await Client.GetAsync(Url($"/api/v1/orders?email={Uri.EscapeDataString(email)}&limit=500"));
        var items = (await response.ReadJsonAsync()).GetProperty("items").EnumerateArray().ToList();
        return items.Count > 0 && items.All(o => o.GetProperty("customerId").ValueKind == JsonValueKind.String)
            ? items[0].GetProperty("customerId").GetString()
            : null;
    }

    private sealed record CustomerRef(string? Id, string Email);

    private sealed record Person(CustomerRef Ref, bool Known);

    private sealed record OrderPlan(Person Person, object Body, List<string> Then, bool ResendToo);
}
