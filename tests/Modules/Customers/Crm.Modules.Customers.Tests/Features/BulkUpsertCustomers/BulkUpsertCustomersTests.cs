using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Domain;
using Crm.Modules.Customers.Tests.Support;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers.Tests.Features.BulkUpsertCustomers;

public sealed class BulkUpsertCustomersTests : HostFixture
{
    private const string Url = "/api/v1/customers/bulk";

    private readonly PublishedEvents<CustomerCreatedIntegrationEvent> _created = new();

    private readonly PublishedEvents<CustomerUpdatedIntegrationEvent> _updated = new();

    protected override CrmHostFactory CreateFactory() =>
        PublishedEvents<CustomerUpdatedIntegrationEvent>.Subscribe(
            PublishedEvents<CustomerCreatedIntegrationEvent>.Subscribe(
                new CrmHostFactory()
                    .WithSetting("Customers:Bulk:MaxRows", "300")
                    .WithSetting("Customers:Bulk:MaxBodyBytes", "200000")
                    .WithSetting("Customers:Bulk:ChunkRows", "50"),
                _created),
            _updated);

    [Test]
    public async Task A_json_array_of_new_customers_is_stored_and_each_one_announced()
    {
        var body = """
            [
              {"email": "Ada@Array.test", "name": "Ada", "phone": "+4915112345678", "tags": ["VIP", "beta"],
               "profile": {"country": "de", "age": 36}, "customAttributes": {"plan": "gold", "seats": 3},
               "consent": {"email": {"status": "optedIn"}}},
              {"email": "bob@array.test", "name": "Bob"}
            ]
            """;

        var result = await PostAsync(body, "application/json");

        Assert.That(Counts(result), Is.EqualTo((2, 2, 0, 0, 0)));
        var ada = await StoredCustomers.ByEmailAsync(Factory, "ada@array.test");
        Assert.That(ada, Is.Not.Null);
        Assert.That(ada!.Name, Is.EqualTo("Ada"));
        Assert.That(ada.Tags, Is.EqualTo(new[] { "vip", "beta" }));
        Assert.That(ada.Profile.Country, Is.EqualTo("DE"));
        Assert.That(ada.CustomAttributes["seats"], Is.EqualTo(CustomAttributeValue.Of(3m)));
        Assert.That(ada.Consent.Email!.Status, Is.EqualTo(ConsentStatus.OptedIn));
        Assert.That(ada.Consent.Email.Source, Is.EqualTo("bulk"));
        Assert.That(ada.Source, Is.EqualTo("bulk"));
        var created = await _created.WaitForAsync(c => c.Customer.Id == ada.Id);
        await _created.WaitForAsync(c => c.Customer.Email == "bob@array.test");
        Assert.That(created.Customer.Version, Is.EqualTo(1));
    }

    [Test]
    public async Task An_ndjson_stream_is_stored_line_by_line_skipping_blank_lines()
    {
        var body = "{\"email\":\"one@ndjson.test\",\"name\":\"One\"}\r\n\r\n{\"email\":\"two@ndjson.test\"}\n{\"email\":\"three@ndjson.test\"}";

        var result = await PostAsync(body, "application/x-ndjson");

        Assert.That(Counts(result), Is.EqualTo((3, 3, 0, 0, 0)));
        Assert.That(await StoredCustomers.ByEmailAsync(Factory, "three@ndjson.test"), Is.Not.Null);
    }

    [Test]
    public async Task An_existing_customer_is_updated_by_email_keeping_behaviour_and_announcing_the_changed_fields()
    {
        var existing = new Customer
        {
            Id = DocumentId.New(),
            Email = "kept@upsert.test",
            Name = "Old name",
            Phone = "+4915100000000",
            Behaviour = new CustomerBehaviour { TotalSpent = 123.45m, OrderCount = 3, VisitCount = 7 },
        };
        await StoredCustomers.StoreAsync(Factory, existing);
        await StoredCustomers.StoreAsync(Factory, new Customer { Id = DocumentId.New(), Email = "same@upsert.test", Name = "Same" });

        var result = await PostAsync(
            """[{"email": "KEPT@upsert.test", "name": "New name"}, {"email": "same@upsert.test", "name": "Same"}]""",
            "application/json");

        Assert.That(Counts(result), Is.EqualTo((2, 0, 1, 1, 0)));
        var stored = await StoredCustomers.ByEmailAsync(Factory, "kept@upsert.test");
        Assert.That(stored!.Id, Is.EqualTo(existing.Id));
        Assert.That(stored.Name, Is.EqualTo("New name"));
        Assert.That(stored.Phone, Is.EqualTo("+4915100000000"), "a field the row does not give is kept");
        Assert.That((stored.Behaviour.TotalSpent, stored.Behaviour.OrderCount, stored.Behaviour.VisitCount), Is.EqualTo((123.45m, 3, 7)));
        var updated = await _updated.WaitForAsync(u => u.Customer.Id == existing.Id);
        Assert.That(updated.ChangedFields, Is.EqualTo(new[] { "name" }));
        Assert.That(updated.Customer.Behaviour.TotalSpent, Is.EqualTo(123.45m));
        Assert.That(updated.Customer.Version, Is.EqualTo(stored.Version));
        Assert.That(_updated.Received.Any(u => u.Customer.Email == "same@upsert.test"), Is.False, "an unchanged row announces nothing");
    }

    [Test]
    public async Task Invalid_rows_are_reported_by_row_field_and_reason_while_the_valid_rows_are_stored()
    {
        var body = """
            [
              {"email": "good1@rows.test"},
              {"email": "not-an-email", "phone": "12"},
              {"email": "good2@rows.test", "profile": {"age": "old"}},
              {"email": "good3@rows.test", "profile": {"country": "XX"}},
              {"email": "good4@rows.test"}
            ]
            """;

        var result = await PostAsync(body, "application/json");

        Assert.That(Counts(result), Is.EqualTo((5, 2, 0, 0, 3)));
        var errors = result.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("field").GetString(), e.GetProperty("reason").GetString()))
            .ToList();
        Assert.That(errors.Select(e => (e.Item1, e.Item2)), Is.EquivalentTo(new (int, string?)[]
        {
            (2, "email"), (2, "phone"), (3, "profile.age"), (4, "profile.country"),
        }));
        Assert.That(errors.All(e => !string.IsNullOrWhiteSpace(e.Item3)), Is.True);
        Assert.That(await StoredCustomers.ByEmailAsync(Factory, "good1@rows.test"), Is.Not.Null);
        Assert.That(await StoredCustomers.ByEmailAsync(Factory, "good4@rows.test"), Is.Not.Null);
        Assert.That(await StoredCustomers.ByEmailAsync(Factory, "good3@rows.test"), Is.Null);
    }

    [Test]
    public async Task Rows_with_the_same_email_apply_in_order_onto_one_customer()
    {
        var body = """
            {"email": "twice@dupes.test", "name": "First", "phone": "+4915111111111"}
            {"email": "Twice@Dupes.test", "name": "Second"}
            """;

        var result = await PostAsync(body, "application/x-ndjson");

        Assert.That(Counts(result), Is.EqualTo((2, 1, 1, 0, 0)));
        var stored = await StoredCustomers.ByEmailAsync(Factory, "twice@dupes.test");
        Assert.That((stored!.Name, stored.Phone), Is.EqualTo(("Second", "+4915111111111")));
    }

    [Test]
    public async Task More_rows_than_allowed_are_refused_as_too_large_and_nothing_is_stored()
    {
        var before = await StoredCustomers.CountAsync(Factory);
        var rows = Enumerable.Range(1, 301).Select(i => $"{{\"email\":\"n{i}@limit.test\"}}");

        using var response = await SendAsync(string.Join('\n', rows), "application/x-ndjson");

        var problem = await response.ReadProblemAsync(413);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("300"));
        Assert.That(await StoredCustomers.CountAsync(Factory), Is.EqualTo(before));
    }

    [Test]
    public async Task A_body_over_the_endpoints_byte_limit_is_refused_as_too_large()
    {
        var rows = Enumerable.Range(1, 40).Select(i => $"{{\"email\":\"n{i}@bytes.test\",\"name\":\"{new string('x', 6000)}\"}}");

        using var response = await SendAsync(string.Join('\n', rows), "application/x-ndjson");

        await response.ReadProblemAsync(413);
        Assert.That(await StoredCustomers.ByEmailAsync(Factory, "n1@bytes.test"), Is.Null);
    }

    [Test]
    public async Task A_broken_json_array_is_refused_naming_the_position_and_nothing_is_stored()
    {
        using var response = await SendAsync("[{\"email\":\"a@broken.test\"},\n {\"email\": ]", "application/json");

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("line 2"));
        Assert.That(await StoredCustomers.ByEmailAsync(Factory, "a@broken.test"), Is.Null);
    }

    [Test]
    public async Task A_bulk_call_sent_again_with_its_idempotency_key_replays_the_first_answer()
    {
        var key = Guid.NewGuid().ToString("N");
        var body = string.Join('\n', Enumerable.Range(1, 100).Select(i => $"{{\"email\":\"n{i}@idempotent.test\",\"customAttributes\":{{\"note\":\"{new string('x', 1000)}\"}}}}"));

        using var first = await SendAsync(body, "application/x-ndjson", key);
        using var again = await SendAsync(body, "application/x-ndjson", key);

        Assert.That((first.StatusCode, again.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK)), await again.Content.ReadAsStringAsync());
        Assert.That(again.Headers.TryGetValues("Idempotent-Replayed", out _), Is.True);
        using var replayed = JsonDocument.Parse(await again.Content.ReadAsStringAsync());
        Assert.That(replayed.RootElement.GetProperty("inserted").GetInt32(), Is.EqualTo(100), "the first answer, not a second run's");
    }

    [TestCase("text/plain")]
    [TestCase("application/xml")]
    public async Task A_body_of_another_media_type_is_refused_as_unsupported(string contentType)
    {
        using var response = await SendAsync("""[{"email":"a@type.test"}]""", contentType);

        await response.ReadProblemAsync(415);
    }

    [Test]
    public async Task Concurrent_order_totals_written_during_a_bulk_update_are_not_lost()
    {
        var customers = Enumerable.Range(1, 200)
            .Select(i => new Customer { Id = DocumentId.New(), Email = $"c{i}@race.test", Name = "Before" })
            .ToList();
        var store = Factory.Services.GetRequiredService<IDocumentStore>();
        await store.BulkWriteAsync(customers, BulkWriteMode.Insert);
        using var stop = new CancellationTokenSource();
        var increments = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var customer in customers.Take(20))
                {
                    await using var session = store.OpenSession();
                    var loaded = await session.LoadAsync<Customer>(customer.Id);
                    loaded!.Behaviour.OrderCount++;
                    session.Store(loaded);
                    try
                    {
                        await session.SaveChangesAsync();
                        Interlocked.Increment(ref increments);
                    }
                    catch (DocumentConflictException)
                    {
                        // The bulk write won this round; the increment is not counted.
                    }
                }
            }
        });

        var rows = customers.Select(c => $"{{\"email\":\"{c.Email}\",\"name\":\"After\"}}");
        var result = await PostAsync(string.Join('\n', rows), "application/x-ndjson");
        await stop.CancelAsync();
        await writer;

        Assert.That(result.GetProperty("updated").GetInt32() + result.GetProperty("failed").GetInt32(), Is.EqualTo(200));
        Assert.That(result.GetProperty("failed").GetInt32(), Is.Zero);
        var total = 0;
        foreach (var customer in customers)
        {
            var stored = await StoredCustomers.ByEmailAsync(Factory, customer.Email);
            Assert.That(stored!.Name, Is.EqualTo("After"));
            total += stored.Behaviour.OrderCount;
        }

        Assert.That(total, Is.EqualTo(increments), "every committed increment survives the bulk update");
    }

    [Test]
    public async Task A_call_larger_than_one_chunk_counts_every_row_once_and_applies_an_email_repeated_across_chunks_in_order()
    {
        // 120 rows in chunks of 50: row 60 is invalid, row 120 repeats row 1's email two chunks later.
        var lines = Enumerable.Range(1, 120).Select(i => i switch
        {
            1 => """{"email": "first@chunks.test", "name": "First", "tags": ["early"]}""",
            60 => """{"email": "not-an-email", "name": "Broken"}""",
            120 => """{"email": "FIRST@chunks.test", "name": "Last"}""",
            _ => $$"""{"email": "c{{i}}@chunks.test", "name": "C {{i}}"}""",
        });

        var result = await PostAsync(string.Join("\n", lines), "application/x-ndjson");

        Assert.That(Counts(result), Is.EqualTo((120, 118, 1, 0, 1)));
        Assert.That(result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("row").GetInt32()), Is.EqualTo(new[] { 60 }));
        var first = await StoredCustomers.ByEmailAsync(Factory, "first@chunks.test");
        Assert.That((first!.Name, first.Tags.Single()), Is.EqualTo(("Last", "early")), "the later row applies on top of the earlier one");
        Assert.That(await StoredCustomers.ByEmailAsync(Factory, "c119@chunks.test"), Is.Not.Null);
        Assert.That(await StoredCustomers.ByEmailAsync(Factory, "c51@chunks.test"), Is.Not.Null);
    }

    private async Task<JsonElement> PostAsync(string body, string contentType)
    {
        using var response = await SendAsync(body, contentType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private async Task<HttpResponseMessage> SendAsync(string body, string contentType, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Client.SendAsync(request);
    }

    private static (int, int, int, int, int) Counts(JsonElement result) => (
        result.GetProperty("received").GetInt32(),
        result.GetProperty("inserted").GetInt32(),
        result.GetProperty("updated").GetInt32(),
        result.GetProperty("unchanged").GetInt32(),
        result.GetProperty("failed").GetInt32());
}
