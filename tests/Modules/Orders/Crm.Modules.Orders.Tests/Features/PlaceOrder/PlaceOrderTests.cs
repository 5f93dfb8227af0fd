using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Modules.Orders.Tests.Support;

namespace Crm.Modules.Orders.Tests.Features.PlaceOrder;

public sealed class PlaceOrderTests : OrdersHostFixture
{
    [Test]
    public async Task A_new_order_is_201_with_its_location_etag_and_the_stored_order()
    {
        var email = UniqueEmail();
        var externalId = Unique("ext");
        using var response = await PostOrderAsync(new
        {
            externalOrderId = externalId,
            customerEmail = email.ToUpperInvariant(),
            amount = 59.90m,
            currency = "usd",
            items = new[] { new { sku = "MUG-1", name = "Mug", quantity = 2, unitPrice = 24.95m } },
        });
        var body = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(201), body);
        var order = JsonDocument.Parse(body).RootElement;
        var id = order.GetProperty("id").GetString();
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/orders/{id}"));
        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
        Assert.That(order.GetProperty("source").GetString(), Is.EqualTo("api"));
        Assert.That(order.GetProperty("externalOrderId").GetString(), Is.EqualTo(externalId));
        Assert.That(order.GetProperty("customerEmail").GetString(), Is.EqualTo(email), "emails are stored in lower case");
        Assert.That(order.GetProperty("customerId").ValueKind, Is.EqualTo(JsonValueKind.Null), "nobody with this email is known yet");
        Assert.That(order.GetProperty("amount").GetDecimal(), Is.EqualTo(59.90m));
        Assert.That(order.GetProperty("currency").GetString(), Is.EqualTo("USD"));
        Assert.That(order.GetProperty("baseAmount").GetDecimal(), Is.EqualTo(59.90m));
        Assert.That(order.GetProperty("status").GetString(), Is.EqualTo("placed"));
        Assert.That(order.GetProperty("items")[0].GetProperty("quantity").GetInt32(), Is.EqualTo(2));
        Assert.That(order.GetProperty("version").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public async Task An_order_in_another_currency_is_converted_to_the_base_currency_at_the_configured_rate()
    {
        var eur = await PlaceAsync(email: UniqueEmail(), amount: 100.00m, currency: "EUR");
        var jpy = await PlaceAsync(email: UniqueEmail(), amount: 1500m, currency: "JPY");

        Assert.That(eur.GetProperty("baseAmount").GetDecimal(), Is.EqualTo(108.00m));
        Assert.That(eur.GetProperty("baseCurrency").GetString(), Is.EqualTo("USD"));
        Assert.That(jpy.GetProperty("baseAmount").GetDecimal(), Is.EqualTo(10.05m));
    }

    [Test]
    public async Task An_order_in_a_currency_without_a_configured_rate_is_a_422_naming_currency()
    {
        using var response = await PostOrderAsync(new { externalOrderId = Unique("ext"), customerEmail = UniqueEmail(), amount = 10m, currency = "GBP" });

        var problem = await response.ReadProblemAsync(422);
        Assert.That(problem.GetProperty("errors").GetProperty("currency")[0].GetString(), Does.Contain("exchange rate"));
    }

    [Test]
    public async Task A_currency_that_is_not_an_iso_4217_code_is_a_400_naming_currency()
    {
        using var response = await PostOrderAsync(new { externalOrderId = Unique("ext"), customerEmail = UniqueEmail(), amount = 10m, currency = "EURO" });

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("errors").TryGetProperty("currency", out _), Is.True, problem.GetRawText());
    }

    [Test]
    public async Task An_order_for_an_unknown_customer_id_is_a_422_naming_customerId()
    {
        using var response = await PostOrderAsync(new { externalOrderId = Unique("ext"), customerId = "no-such-customer", amount = 10m, currency = "USD" });

        var problem = await response.ReadProblemAsync(422);
        Assert.That(problem.GetProperty("errors").TryGetProperty("customerId", out _), Is.True, problem.GetRawText());
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("orders.unknown_customer"));
    }

    [Test]
    public async Task An_order_by_a_known_customers_id_carries_their_email_and_one_by_their_email_carries_their_id()
    {
        var email = UniqueEmail();
        var customerId = await KnownCustomerAsync(email);

        var byId = await PlaceAsync(customerId: customerId);
        var byEmail = await PlaceAsync(email: email);

        Assert.That(byId.GetProperty("customerEmail").GetString(), Is.EqualTo(email));
        Assert.That(byEmail.GetProperty("customerId").GetString(), Is.EqualTo(customerId));
    }

    [Test]
    public async Task An_order_naming_a_customer_id_and_someone_elses_email_is_a_422_naming_customerEmail()
    {
        var customerId = await KnownCustomerAsync(UniqueEmail());

        using var response = await PostOrderAsync(new { externalOrderId = Unique("ext"), customerId, customerEmail = UniqueEmail(), amount = 1m, currency = "USD" });

        var problem = await response.ReadProblemAsync(422);
        Assert.That(problem.GetProperty("errors").TryGetProperty("customerEmail", out _), Is.True, problem.GetRawText());
    }

    [Test]
    public async Task An_order_sent_again_answers_200_with_the_first_one_and_publishes_no_second_event()
    {
        var email = UniqueEmail();
        var externalId = Unique("ext");
        var first = await PlaceAsync(email: email, externalOrderId: externalId, source: "shop-1", amount: 20m);

        using var again = await PostOrderAsync(new { source = "SHOP-1", externalOrderId = externalId, customerEmail = email, amount = 99m, currency = "USD" });
        var body = await again.Content.ReadAsStringAsync();
        Assert.That((int)again.StatusCode, Is.EqualTo(200), body);
        var resent = JsonDocument.Parse(body).RootElement;
        Assert.That(resent.GetProperty("id").GetString(), Is.EqualTo(first.GetProperty("id").GetString()));
        Assert.That(resent.GetProperty("amount").GetDecimal(), Is.EqualTo(20m), "the first order stands");

        // Events of one customer are delivered in order: once the later order's event is in, a second one of the first would be too.
        var marker = await PlaceAsync(email: email);
        await Eventually.ThatAsync(() => Task.FromResult(Events.PlacedFor(marker.GetProperty("id").GetString()!) == 1), "the later order's event arrives");
        Assert.That(Events.PlacedWithExternalId(externalId), Is.EqualTo(1));
    }

    [Test]
    public async Task An_idempotency_key_replays_the_first_answer_and_refuses_another_body()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { externalOrderId = Unique("ext"), customerEmail = UniqueEmail(), amount = 3m, currency = "USD" };

        using var first = await SendWithKeyAsync(body, key);
        using var replay = await SendWithKeyAsync(body, key);
        using var other = await SendWithKeyAsync(body with { amount = 4m }, key);

        Assert.That((int)first.StatusCode, Is.EqualTo(201));
        Assert.That((int)replay.StatusCode, Is.EqualTo(201), "the first answer, replayed");
        Assert.That((await replay.ReadJsonAsync()).GetProperty("id").GetString(), Is.EqualTo((await first.ReadJsonAsync()).GetProperty("id").GetString()));
        await other.ReadProblemAsync(422);
    }

    [Test]
    public async Task The_same_external_id_from_another_source_is_another_order()
    {
        var externalId = Unique("ext");
        var first = await PlaceAsync(email: UniqueEmail(), externalOrderId: externalId, source: "shop-a");
        var second = await PlaceAsync(email: UniqueEmail(), externalOrderId: externalId, source: "shop-b");

        Assert.That(second.GetProperty("id").GetString(), Is.Not.EqualTo(first.GetProperty("id").GetString()));
    }

    [Test]
    public async Task Twenty_concurrent_sends_of_one_order_record_it_once()
    {
        var email = UniqueEmail();
        var externalId = Unique("ext");
        var body = new { externalOrderId = externalId, customerEmail = email, amount = 5m, currency = "USD" };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostOrderAsync(body)));
        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        var ids = await Task.WhenAll(responses.Select(async r => (await r.ReadJsonAsync()).GetProperty("id").GetString()));
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.That(statuses.Count(s => s == 201), Is.EqualTo(1), string.Join(",", statuses));
        Assert.That(statuses.Count(s => s == 200), Is.EqualTo(19));
        Assert.That(ids.Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task Missing_required_fields_are_a_400_keyed_by_each_field()
    {
        using var response = await PostOrderAsync(new { });

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.That(errors.TryGetProperty("externalOrderId", out _), Is.True, errors.GetRawText());
        Assert.That(errors.TryGetProperty("customerId", out _), Is.True, errors.GetRawText());
        Assert.That(errors.TryGetProperty("amount", out _), Is.True, errors.GetRawText());
        Assert.That(errors.TryGetProperty("currency", out _), Is.True, errors.GetRawText());
    }

    [TestCase("amount", -1.00, "USD")]
    [TestCase("amount", 1.5, "JPY")]
    [TestCase("amount", 1.234, "EUR")]
    public async Task An_amount_below_zero_or_with_more_decimals_than_its_currency_has_is_a_400_naming_amount(string field, double amount, string currency)
    {
        using var response = await PostOrderAsync(new { externalOrderId = Unique("ext"), customerEmail = UniqueEmail(), amount = (decimal)amount, currency });

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.That(errors.TryGetProperty(field, out _), Is.True, errors.GetRawText());
    }

    [Test]
    public async Task Bad_items_are_a_400_keyed_by_their_position_and_field()
    {
        using var response = await PostOrderAsync(new
        {
            externalOrderId = Unique("ext"),
            customerEmail = UniqueEmail(),
            amount = 10m,
            currency = "USD",
            items = new object[]
            {
                new { sku = "A", name = "ok", quantity = 1, unitPrice = 1m },
                new { sku = "", name = "no sku", quantity = 0, unitPrice = -1m },
            },
        });

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.That(errors.TryGetProperty("items[1].sku", out _), Is.True, errors.GetRawText());
        Assert.That(errors.TryGetProperty("items[1].quantity", out _), Is.True, errors.GetRawText());
        Assert.That(errors.TryGetProperty("items[1].unitPrice", out _), Is.True, errors.GetRawText());
        Assert.That(errors.TryGetProperty("items[0].sku", out _), Is.False);
    }

    [Test]
    public async Task Bad_email_source_status_and_a_future_order_time_are_a_400_naming_each()
    {
        using var response = await PostOrderAsync(new
        {
            source = "shop:1",
            externalOrderId = Unique("ext"),
            customerEmail = "not-an-email",
            amount = 10m,
            currency = "USD",
            status = "refunded",
            orderedAt = DateTimeOffset.UtcNow.AddHours(2),
        });

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        foreach (var field in new[] { "source", "customerEmail", "status", "orderedAt" })
        {
            Assert.That(errors.TryGetProperty(field, out _), Is.True, $"{field}: {errors.GetRawText()}");
        }
    }

    [Test]
    public async Task An_order_reported_as_paid_is_stored_as_paid()
    {
        using var response = await PostOrderAsync(new { externalOrderId = Unique("ext"), customerEmail = UniqueEmail(), amount = 10m, currency = "USD", status = "paid" });

        Assert.That((int)response.StatusCode, Is.EqualTo(201));
        Assert.That((await response.ReadJsonAsync()).GetProperty("status").GetString(), Is.EqualTo("paid"));
    }

    [Test]
    public async Task Malformed_json_is_a_400_naming_where_the_parser_stopped()
    {
        using var content = new StringContent("{\"externalOrderId\": \"x\",\n \"amount\": 1,,}", Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(Url("/api/v1/orders"), content);

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("line 2"));
    }

    [TestCase("null")]
    [TestCase("[]")]
    [TestCase("")]
    [TestCase("{\"externalOrderId\": \"x\", \"customerEmail\": \"a@example.com\", \"amount\": 1, \"currency\": \"USD\", \"items\": [null]}")]
    public async Task A_body_that_is_no_order_is_a_400_not_a_500(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(Url("/api/v1/orders"), content);

        await response.ReadProblemAsync(400);
    }

    [Test]
    public async Task A_wrong_json_type_is_a_400_not_a_500()
    {
        using var content = new StringContent("{\"externalOrderId\": \"x\", \"amount\": \"ten\"}", Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(Url("/api/v1/orders"), content);

        await response.ReadProblemAsync(400);
    }

    [Test]
    public async Task A_body_that_is_not_json_is_a_415()
    {
        using var content = new StringContent("externalOrderId=x", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await Client.PostAsync(Url("/api/v1/orders"), content);

        await response.ReadProblemAsync(415);
    }

    [Test]
    public async Task A_body_over_one_megabyte_is_a_413()
    {
        var padding = new string('x', 1_100_000);
        using var content = new StringContent($"{{\"externalOrderId\": \"{padding}\"}}", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Client.PostAsync(Url("/api/v1/orders"), content);

        await response.ReadProblemAsync(413);
    }

    private Task<HttpResponseMessage> SendWithKeyAsync(object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Url("/api/v1/orders")) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return Client.SendAsync(request);
    }
}
