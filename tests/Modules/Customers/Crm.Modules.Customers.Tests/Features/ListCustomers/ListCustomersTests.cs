using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Customers.Tests.Support;

namespace Crm.Modules.Customers.Tests.Features.ListCustomers;

public sealed class ListCustomersTests : HostFixture
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [OneTimeSetUp]
    public async Task CreateCustomers()
    {
        // Names sort ann, bob, cid, dora, eve; each carries the run's tag so other fixtures' rows never interfere.
        foreach (var (name, city) in new[] { ("Cid", "Paris"), ("Ann", "Berlin"), ("eve", "Berlin"), ("Bob", "Rome"), ("Dora", "Berlin") })
        {
            var body = CustomerRequests.Body(CustomerRequests.NewEmail(name.ToLowerInvariant() + _run), $"{name} {_run}");
            body["profile"] = new JsonObject { ["city"] = city };
            body["tags"] = new JsonArray(_run, name == "Ann" ? "vip" : "regular");
            await Client.CreateAsync(body);
        }
    }

    [Test]
    public async Task A_tag_filter_sorted_by_name_lists_customers_in_name_order_regardless_of_case()
    {
        var page = await ListAsync($"tag={_run}&sort=name");

        Assert.That(Names(page), Is.EqualTo(new[] { "Ann", "Bob", "Cid", "Dora", "eve" }));
        Assert.That(page.GetProperty("next").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task City_and_tag_filters_combine()
    {
        var page = await ListAsync($"tag={_run}&city=Berlin&sort=-name");

        Assert.That(Names(page), Is.EqualTo(new[] { "eve", "Dora", "Ann" }));
    }

    [Test]
    public async Task Search_matches_a_lower_case_prefix_of_the_name_or_of_the_email()
    {
        var byName = await ListAsync($"q=DOR&tag={_run}");
        var byEmail = await ListAsync($"q=bob{_run}");

        Assert.That(Names(byName), Is.EqualTo(new[] { "Dora" }));
        Assert.That(Names(byEmail), Is.EqualTo(new[] { "Bob" }));
    }

    [Test]
    public async Task The_next_cursor_walks_every_customer_once_in_order()
    {
        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await ListAsync($"tag={_run}&sort=email&limit=2" + (next is null ? "" : $"&next={next}"));
            seen.AddRange(Names(page));
            next = page.GetProperty("next").GetString();
            pages++;
        }
        while (next is not null);

        Assert.That(seen, Is.EqualTo(new[] { "Ann", "Bob", "Cid", "Dora", "eve" }));
        Assert.That(pages, Is.EqualTo(3));
    }

    [Test]
    public async Task Newest_first_is_the_default_and_the_created_range_filters()
    {
        var all = await ListAsync($"tag={_run}");
        var createdAt = all.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("createdAt").GetDateTimeOffset()).ToList();
        var from = Uri.EscapeDataString(createdAt[2].ToString("O"));

        var later = await ListAsync($"tag={_run}&createdFrom={from}&sort=createdAt");

        Assert.That(createdAt, Is.Ordered.Descending);
        Assert.That(Names(all), Is.EqualTo(new[] { "Dora", "Bob", "eve", "Ann", "Cid" }));
        Assert.That(Names(later), Is.EqualTo(new[] { "eve", "Bob", "Dora" }));
    }

    [Test]
    public async Task Sorting_by_total_spent_is_accepted()
    {
        var page = await ListAsync($"tag={_run}&sort=-totalSpent&limit=500");

        Assert.That(Names(page), Has.Count.EqualTo(5));
    }

    [TestCase("limit=0", "limit")]
    [TestCase("limit=501", "limit")]
    [TestCase("limit=ten", "limit")]
    [TestCase("sort=age", "sort")]
    [TestCase("createdFrom=yesterday", "createdFrom")]
    [TestCase("createdTo=2020-13-45", "createdTo")]
    [TestCase("createdFrom=2025-02-01&createdTo=2025-01-01", "createdTo")]
    [TestCase("next=not-a-cursor", "next")]
    public async Task An_invalid_parameter_is_a_400_naming_it(string query, string parameter)
    {
        using var response = await Client.GetAsync($"{CustomerRequests.Path}?{query}");

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors(parameter), Is.Not.Empty, problem.ToString());
    }

    [Test]
    public async Task A_cursor_from_another_sort_is_a_400_naming_next()
    {
        var page = await ListAsync($"tag={_run}&sort=email&limit=1");
        var next = page.GetProperty("next").GetString();

        using var response = await Client.GetAsync($"{CustomerRequests.Path}?tag={_run}&sort=name&next={next}");

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors("next"), Is.Not.Empty);
    }

    private async Task<JsonElement> ListAsync(string query)
    {
        using var response = await Client.GetAsync($"{CustomerRequests.Path}?{query}");
        var body = await response.ReadJsonAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        return body;
    }

    private List<string> Names(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()!.Replace($" {_run}", "", StringComparison.Ordinal))];
}
