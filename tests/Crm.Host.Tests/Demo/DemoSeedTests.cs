using System.Net.Http.Json;
using System.Text.Json;
using Crm.Host.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Demo;

/// <summary>The demo seed through the real host: the modules' own requests, their events, and the totals those keep.</summary>
public sealed class DemoSeedTests
{
    private static readonly TimeSpan SettleDeadline = TimeSpan.FromSeconds(90);

    [Test]
    public async Task Seeding_an_empty_store_stores_every_customer_with_their_orders_and_totals_equal_to_their_counted_orders()
    {
        const int customers = 200;
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateClient();

        var outcome = await factory.Services.GetRequiredService<DemoSeeder>().SeedAsync(customers, CancellationToken.None);

        // What the seed must have sent, recomputed from the generator: amounts and statuses do not depend on the time.
        var data = new DemoData(TimeProvider.System.GetUtcNow(), "USD");
        var expected = Enumerable.Range(0, customers).Select(i =>
        {
            var customer = data.Customer(i);
            return (customer.Email, Orders: data.Orders(i, customer.Email));
        }).ToList();
        Assert.That(outcome.Seeded, Is.True);
        Assert.That(outcome.Customers, Is.EqualTo(customers));
        Assert.That(outcome.Orders, Is.EqualTo(expected.Sum(e => e.Orders.Count)));
        Assert.That(outcome.StatusChanges, Is.EqualTo(expected.Sum(e => e.Orders.Count(o => o.LaterStatus is not null))), "some orders are refunded or cancelled");

        var shown = await WaitForTotalsAsync(client, expected.ToDictionary(
            e => e.Email,
            e => (e.Orders.Where(o => o.Counted).Sum(o => o.Amount), e.Orders.Count(o => o.Counted))));
        Assert.That(shown.Keys, Is.EquivalentTo(expected.Select(e => e.Email)));
        foreach (var (email, orders) in expected)
        {
            Assert.That(shown[email], Is.EqualTo((orders.Where(o => o.Counted).Sum(o => o.Amount), orders.Count(o => o.Counted))), email);
        }

        // Every order is stored, with the status it reached.
        foreach (var (email, orders) in expected.Where(e => e.Orders.Count > 0).Take(60))
        {
            var listed = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/orders?email={Uri.EscapeDataString(email)}&limit=500", UriKind.Relative));
            var statuses = listed.GetProperty("items").EnumerateArray()
                .ToDictionary(o => o.GetProperty("externalOrderId").GetString()!, o => o.GetProperty("status").GetString());
            Assert.That(statuses, Is.EquivalentTo(orders.ToDictionary(
                o => o.ExternalOrderId,
                o => JsonNamingPolicy.CamelCase.ConvertName((o.LaterStatus ?? o.Status).ToString()))));
        }
    }

    [Test]
    public async Task A_seed_into_a_store_that_holds_customers_changes_nothing()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateClient();
        var seeder = factory.Services.GetRequiredService<DemoSeeder>();
        var first = await seeder.SeedAsync(20, CancellationToken.None);
        Assert.That(await seeder.WaitUntilSettledAsync(first, SettleDeadline, CancellationToken.None), Is.True);
        var before = await ListAsync(client);

        var second = await seeder.SeedAsync(50, CancellationToken.None);

        Assert.That(second.Seeded, Is.False);
        Assert.That(await ListAsync(client), Is.EqualTo(before), "the same customers, at the same versions, with the same totals");
    }

    [Test]
    public void The_command_line_shorthands_become_the_demo_settings()
    {
        Assert.That(
            DemoSeeding.Arguments(["--seed-demo", "10000", "--seed-only", "--urls", "http://127.0.0.1:5000"]),
            Is.EqualTo(new[] { "--Demo:Seed=10000", "--Demo:SeedOnly=true", "--urls", "http://127.0.0.1:5000" }));
    }

    /// <summary>Every customer by email with their totals, once they equal <paramref name="expected"/> or the deadline passes.</summary>
    private static async Task<Dictionary<string, (decimal, int)>> WaitForTotalsAsync(HttpClient client, Dictionary<string, (decimal, int)> expected)
    {
        using var deadline = new CancellationTokenSource(SettleDeadline);
        while (true)
        {
            var shown = (await ListAsync(client)).ToDictionary(c => c.Email, c => (c.TotalSpent, c.OrderCount));
            if (deadline.IsCancellationRequested || (shown.Count == expected.Count && expected.All(e => shown.GetValueOrDefault(e.Key) == e.Value)))
            {
                return shown;
            }

            await Task.Delay(250, CancellationToken.None);
        }
    }

    private static async Task<List<ListedCustomer>> ListAsync(HttpClient client)
    {
        var customers = new List<ListedCustomer>();
        string? next = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/customers?limit=500" + (next is null ? "" : "&next=" + Uri.EscapeDataString(next)), UriKind.Relative));
            customers.AddRange(page.GetProperty("items").EnumerateArray().Select(c => new ListedCustomer(
                c.GetProperty("email").GetString()!,
                c.GetProperty("version").GetInt64(),
                c.GetProperty("behaviour").GetProperty("totalSpent").GetDecimal(),
                c.GetProperty("behaviour").GetProperty("orderCount").GetInt32())));
            next = page.TryGetProperty("next", out var cursor) && cursor.ValueKind == JsonValueKind.String ? cursor.GetString() : null;
        }
        while (next is not null);
        return customers;
    }

    private sealed record ListedCustomer(string Email, long Version, decimal TotalSpent, int OrderCount);
}
