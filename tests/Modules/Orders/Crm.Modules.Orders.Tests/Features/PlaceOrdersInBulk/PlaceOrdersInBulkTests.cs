using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Modules.Orders.Tests.Support;

namespace Crm.Modules.Orders.Tests.Features.PlaceOrdersInBulk;

public sealed class PlaceOrdersInBulkTests : OrdersHostFixture
{
    [Test]
    public async Task Valid_rows_are_stored_and_invalid_ones_reported_by_row_field_and_reason()
    {
        var email = UniqueEmail();
        var good1 = Unique("ext");
        var good2 = Unique("ext");
        var rows = new object[]
        {
            Row(good1, email, 10m),
            new { externalOrderId = Unique("ext"), customerEmail = email, amount = -5m, currency = "USD" },
            Row(good2, email, 20m, "EUR"),
            new { externalOrderId = Unique("ext"), customerEmail = email, amount = 1m, currency = "GBP" },
            new { externalOrderId = Unique("ext"), customerId = "no-such-customer", amount = 1m, currency = "USD" },
        };

        using var response = await Client.PostAsJsonAsync(Url("/api/v1/orders/bulk"), rows);
        var result = await response.ReadJsonAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(200), result.GetRawText());
        Assert.That(result.GetProperty("received").GetInt32(), Is.EqualTo(5));
        Assert.That(result.GetProperty("inserted").GetInt32(), Is.EqualTo(2));
        Assert.That(result.GetProperty("failed").GetInt32(), Is.EqualTo(3));
        var errors = result.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("field").GetString()))
            .ToList();
        Assert.That(errors, Is.EquivalentTo(new[] { (2, "amount"), (4, "currency"), (5, "customerId") }));

        using var list = await Client.GetAsync(Url($"/api/v1/orders?email={email}"));
        var stored = (await list.ReadJsonAsync()).GetProperty("items").EnumerateArray().Select(o => o.GetProperty("externalOrderId").GetString());
        Assert.That(stored, Is.EquivalentTo(new[] { good1, good2 }));
    }

    [Test]
    public async Task Rows_naming_known_customers_by_id_or_email_carry_both()
    {
        var email = UniqueEmail();
        var customerId = await KnownCustomerAsync(email);
        var rows = new object[]
        {
            new { externalOrderId = Unique("ext"), customerId, amount = 1m, currency = "USD" },
            new { externalOrderId = Unique("ext"), customerEmail = email.ToUpperInvariant(), amount = 2m, currency = "USD" },
        };

        using var response = await Client.PostAsJsonAsync(Url("/api/v1/orders/bulk"), rows);
        Assert.That((await response.ReadJsonAsync()).GetProperty("inserted").GetInt32(), Is.EqualTo(2));

        using var list = await Client.GetAsync(Url($"/api/v1/orders?customerId={customerId}"));
        var items = (await list.ReadJsonAsync()).GetProperty("items").EnumerateArray().ToList();
        Assert.That(items, Has.Count.EqualTo(2));
        Assert.That(items.Select(o => (o.GetProperty("customerId").GetString(), o.GetProperty("customerEmail").GetString())),
            Is.All.EqualTo((customerId, email)));
    }

    [Test]
    public async Task Ndjson_rows_are_read_one_per_line_and_a_line_that_is_not_json_fails_alone()
    {
        var email = UniqueEmail();
        var ndjson = new StringBuilder()
            .AppendLine(JsonSerializer.Serialize(Row(Unique("ext"), email, 1m)))
            .AppendLine("{\"externalOrderId\": oops}")
            .AppendLine(JsonSerializer.Serialize(Row(Unique("ext"), email, 2m)))
            .ToString();
        using var content = new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson");

        using var response = await Client.PostAsync(Url("/api/v1/orders/bulk"), content);
        var result = await response.ReadJsonAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(200), result.GetRawText());
        Assert.That(result.GetProperty("inserted").GetInt32(), Is.EqualTo(2));
        Assert.That(result.GetProperty("failed").GetInt32(), Is.EqualTo(1));
        Assert.That(result.GetProperty("errors")[0].GetProperty("row").GetInt32(), Is.EqualTo(2));
    }

    [Test]
    public async Task Orders_sent_twice_in_one_call_and_again_in_a_later_one_are_stored_and_published_once_and_reported_as_duplicates()
    {
        var email = UniqueEmail();
        var a = Unique("ext");
        var b = Unique("ext");
        using var first = await Client.PostAsJsonAsync(Url("/api/v1/orders/bulk"), new[] { Row(a, email, 1m), Row(b, email, 2m), Row(a, email, 1m) });
        var firstResult = await first.ReadJsonAsync();

        Assert.That(firstResult.GetProperty("inserted").GetInt32(), Is.EqualTo(2), firstResult.GetRawText());
        Assert.That(firstResult.GetProperty("unchanged").GetInt32(), Is.EqualTo(1));
        Assert.That(firstResult.GetProperty("failed").GetInt32(), Is.Zero);
        var duplicate = firstResult.GetProperty("duplicates")[0];
        Assert.That(duplicate.GetProperty("row").GetInt32(), Is.EqualTo(3));
        Assert.That(duplicate.GetProperty("reason").GetString(), Does.StartWith("duplicate"));
        Assert.That(duplicate.GetProperty("id").GetString(), Is.Not.Empty);

        using var second = await Client.PostAsJsonAsync(Url("/api/v1/orders/bulk"), new[] { Row(a, email, 1m), Row(b, email, 2m) });
        var secondResult = await second.ReadJsonAsync();
        Assert.That(secondResult.GetProperty("inserted").GetInt32(), Is.Zero, secondResult.GetRawText());
        Assert.That(secondResult.GetProperty("unchanged").GetInt32(), Is.EqualTo(2));

        var marker = await PlaceAsync(email: email);
        await Eventually.ThatAsync(() => Task.FromResult(Events.PlacedFor(marker.GetProperty("id").GetString()!) == 1), "the later order's event arrives");
        Assert.That(Events.PlacedWithExternalId(a), Is.EqualTo(1));
        Assert.That(Events.PlacedWithExternalId(b), Is.EqualTo(1));
    }

    [Test]
    public async Task Rows_that_are_not_objects_fail_alone()
    {
        var email = UniqueEmail();
        var body = "[null, 5, \"text\", " + JsonSerializer.Serialize(Row(Unique("ext"), email, 1m)) + "]";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await Client.PostAsync(Url("/api/v1/orders/bulk"), content);
        var result = await response.ReadJsonAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(200), result.GetRawText());
        Assert.That(result.GetProperty("inserted").GetInt32(), Is.EqualTo(1));
        Assert.That(result.GetProperty("failed").GetInt32(), Is.EqualTo(3));
    }

    [Test]
    public async Task A_json_array_broken_midway_is_a_400_naming_the_position_and_stores_nothing()
    {
        var email = UniqueEmail();
        var body = "[" + JsonSerializer.Serialize(Row(Unique("ext"), email, 1m)) + ",\n {\"externalOrderId\": ";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await Client.PostAsync(Url("/api/v1/orders/bulk"), content);

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("line"));
        using var list = await Client.GetAsync(Url($"/api/v1/orders?email={email}"));
        Assert.That((await list.ReadJsonAsync()).GetProperty("items").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task A_bulk_body_that_is_neither_json_nor_ndjson_is_a_415()
    {
        using var content = new StringContent("externalOrderId,amount\nx,1\n", Encoding.UTF8, "text/csv");

        using var response = await Client.PostAsync(Url("/api/v1/orders/bulk"), content);

        await response.ReadProblemAsync(415);
    }

    [Test]
    public async Task More_than_100000_rows_is_a_413_and_stores_nothing()
    {
        var ndjson = new StringBuilder();
        for (var i = 0; i <= 100_000; i++)
        {
            ndjson.Append("{}\n");
        }

        using var content = new StringContent(ndjson.ToString(), Encoding.UTF8, "application/x-ndjson");
        using var response = await Client.PostAsync(Url("/api/v1/orders/bulk"), content);

        await response.ReadProblemAsync(413);
    }

    private static object Row(string externalOrderId, string email, decimal amount, string currency = "USD") => new
    {
        source = "bulk-test",
        externalOrderId,
        customerEmail = email,
        amount,
        currency,
        items = new[] { new { sku = "SKU-1", name = "Thing", quantity = 1, unitPrice = amount } },
    };
}
