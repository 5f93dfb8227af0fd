using System.Text.Json;
using Crm.Modules.Orders.Tests.Support;

namespace Crm.Modules.Orders.Tests.Features.ListCustomerOrders;

public sealed class ListCustomerOrdersTests : OrdersHostFixture
{
    [Test]
    public async Task A_customers_orders_come_newest_first_in_pages_that_neither_repeat_nor_skip()
    {
        var email = UniqueEmail();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var placed = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            // Two orders share a time, so the cursor must also order by id.
            var at = start.AddDays(i == 4 ? 3 : i);
            placed.Add((await PlaceAsync(email: email, orderedAt: at)).GetProperty("id").GetString()!);
        }

        await PlaceAsync(email: UniqueEmail());
        var seen = new List<(string Id, DateTimeOffset At)>();
        string? next = null;
        var pages = 0;
        do
        {
            var url = $"/api/v1/orders?email={Uri.EscapeDataString(email.ToUpperInvariant())}&limit=3" + (next is null ? "" : $"&next={next}");
            using var response = await Client.GetAsync(Url(url));
            var page = await response.ReadJsonAsync();
            Assert.That((int)response.StatusCode, Is.EqualTo(200), page.GetRawText());
            seen.AddRange(page.GetProperty("items").EnumerateArray()
                .Select(o => (o.GetProperty("id").GetString()!, o.GetProperty("orderedAt").GetDateTimeOffset())));
            next = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
            pages++;
        }
        while (next is not null && pages < 10);

        Assert.That(pages, Is.EqualTo(3));
        Assert.That(seen.Select(s => s.Id), Is.EquivalentTo(placed));
        Assert.That(seen.Select(s => s.At), Is.Ordered.Descending);
    }

    [Test]
    public async Task A_customers_orders_are_listed_by_customer_id_whether_placed_by_id_or_by_email()
    {
        var email = UniqueEmail();
        var customerId = await KnownCustomerAsync(email);
        var byId = await PlaceAsync(customerId: customerId);
        var byEmail = await PlaceAsync(email: email);

        using var response = await Client.GetAsync(Url($"/api/v1/orders?customerId={customerId}"));
        var page = await response.ReadJsonAsync();

        var ids = page.GetProperty("items").EnumerateArray().Select(o => o.GetProperty("id").GetString()).ToList();
        Assert.That(ids, Is.EquivalentTo(new[] { byId.GetProperty("id").GetString(), byEmail.GetProperty("id").GetString() }));
    }

    [Test]
    public async Task A_customer_without_orders_has_an_empty_list()
    {
        using var response = await Client.GetAsync(Url($"/api/v1/orders?email={UniqueEmail()}"));
        var page = await response.ReadJsonAsync();

        Assert.That(page.GetProperty("items").GetArrayLength(), Is.Zero);
        Assert.That(page.GetProperty("next").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [TestCase("", "customerId")]
    [TestCase("customerId=a&email=a@example.com", "customerId")]
    [TestCase("email=nope", "email")]
    [TestCase("email=a@example.com&limit=0", "limit")]
    [TestCase("email=a@example.com&limit=501", "limit")]
    [TestCase("email=a@example.com&limit=ten", "limit")]
    [TestCase("email=a@example.com&next=not-a-cursor", "next")]
    public async Task A_bad_query_is_a_400_naming_the_parameter(string query, string field)
    {
        using var response = await Client.GetAsync(Url($"/api/v1/orders?{query}"));

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.That(errors.TryGetProperty(field, out _), Is.True, errors.GetRawText());
    }
}
