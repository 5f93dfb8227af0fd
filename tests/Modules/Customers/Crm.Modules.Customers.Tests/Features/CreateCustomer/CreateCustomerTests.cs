using System.Net;
using System.Text.Json.Nodes;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Tests.Support;

namespace Crm.Modules.Customers.Tests.Features.CreateCustomer;

public sealed class CreateCustomerTests : HostFixture
{
    private readonly PublishedEvents<CustomerCreatedIntegrationEvent> _created = new();

    [Test]
    public async Task Creating_a_customer_answers_201_with_its_location_etag_and_normalised_fields()
    {
        var email = CustomerRequests.NewEmail("Mixed.Case");
        var body = new JsonObject
        {
            ["email"] = "  " + email.ToUpperInvariant() + " ",
            ["name"] = " Ann Example ",
            ["phone"] = "+4915112345678",
            ["timeZone"] = "Europe/Berlin",
            ["profile"] = new JsonObject { ["age"] = 34, ["gender"] = "Female", ["city"] = "Berlin", ["country"] = "de" },
            ["preferences"] = new JsonArray("Email", "sms"),
            ["tags"] = new JsonArray("VIP", "vip", " new "),
            ["customAttributes"] = new JsonObject { ["plan"] = "gold", ["seats"] = 12.5, ["trial"] = true, ["renewal"] = "2026-03-01" },
            ["consent"] = new JsonObject { ["email"] = new JsonObject { ["status"] = "optedIn", ["source"] = "web form" } },
        };

        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json(body));
        var customer = await response.ReadJsonAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), customer.ToString());
        var id = customer.GetProperty("id").GetString();
        Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/customers/{id}"));
        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
        Assert.That(customer.GetProperty("version").GetInt64(), Is.EqualTo(1));
        Assert.That(customer.GetProperty("email").GetString(), Is.EqualTo(email.ToLowerInvariant()));
        Assert.That(customer.GetProperty("name").GetString(), Is.EqualTo("Ann Example"));
        Assert.That(customer.GetProperty("profile").GetProperty("country").GetString(), Is.EqualTo("DE"));
        Assert.That(customer.GetProperty("profile").GetProperty("gender").GetString(), Is.EqualTo("female"));
        Assert.That(customer.GetProperty("tags").EnumerateArray().Select(t => t.GetString()), Is.EqualTo(new[] { "vip", "new" }));
        var attributes = customer.GetProperty("customAttributes");
        Assert.That(attributes.GetProperty("plan").GetString(), Is.EqualTo("gold"));
        Assert.That(attributes.GetProperty("seats").GetDecimal(), Is.EqualTo(12.5m));
        Assert.That(attributes.GetProperty("trial").GetBoolean(), Is.True);
        Assert.That(attributes.GetProperty("renewal").GetString(), Is.EqualTo("2026-03-01"));
        var consent = customer.GetProperty("consent").GetProperty("email");
        Assert.That(consent.GetProperty("status").GetString(), Is.EqualTo("optedIn"));
        Assert.That(consent.GetProperty("source").GetString(), Is.EqualTo("web form"));
        Assert.That(customer.GetProperty("behaviour").GetProperty("visitCount").GetInt32(), Is.Zero);
        Assert.That(customer.GetProperty("source").GetString(), Is.EqualTo("api"));
        Assert.That(customer.TryGetProperty("nameKey", out _), Is.False, "the response is a DTO, not the document");
    }

    [Test]
    public async Task Creating_a_customer_publishes_customer_created_with_the_stored_snapshot()
    {
        var created = await Client.CreateAsync();
        var id = created.GetProperty("id").GetString();

        var published = await _created.WaitForAsync(e => e.Customer.Id == id);

        Assert.That(published.Customer.Email, Is.EqualTo(created.GetProperty("email").GetString()));
        Assert.That(published.Customer.Version, Is.EqualTo(1));
    }

    [Test]
    public async Task A_second_customer_with_the_same_email_in_another_case_is_a_409_naming_email()
    {
        var email = CustomerRequests.NewEmail();
        await Client.CreateAsync(email);

        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json(CustomerRequests.Body(email.ToUpperInvariant())));

        var problem = await response.ReadProblemAsync(409);
        Assert.That(problem.FieldErrors("email"), Is.Not.Empty);
    }

    [TestCase("email", "\"not-an-email\"")]
    [TestCase("email", "\"\"")]
    [TestCase("email", "null")]
    [TestCase("name", null)]
    [TestCase("phone", "\"0151 1234\"")]
    [TestCase("timeZone", "\"Mars/Olympus\"")]
    [TestCase("profile.age", "{\"age\": 200}")]
    [TestCase("profile.birthDate", "{\"birthDate\": \"1850-01-01\"}")]
    [TestCase("profile.gender", null)]
    [TestCase("profile.city", null)]
    [TestCase("profile.country", "{\"country\": \"XX\"}")]
    [TestCase("tags", null)]
    [TestCase("preferences", null)]
    [TestCase("customAttributes", "{\"1bad key\": 1}")]
    [TestCase("customAttributes.nested", "{\"nested\": {\"a\": 1}}")]
    [TestCase("consent.email.status", "{\"email\": {\"source\": \"web\"}}")]
    [TestCase("consent.sms.at", "{\"sms\": {\"status\": \"optedOut\", \"at\": \"2999-01-01T00:00:00Z\"}}")]
    [TestCase("consent.push.source", null)]
    public async Task Each_invalid_field_is_a_400_with_errors_under_its_json_path(string field, string? json)
    {
        var body = CustomerRequests.Body();
        var (member, value) = Invalid(field, json);
        body[member] = value;

        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json(body));

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors(field), Is.Not.Empty, problem.ToString());
    }

    [TestCase("behaviour", "is read-only")]
    [TestCase("version", "is read-only")]
    [TestCase("emial", "is not a customer field")]
    public async Task A_member_a_client_may_not_write_is_a_400_naming_it(string member, string message)
    {
        var body = CustomerRequests.Body();
        body[member] = member == "behaviour" ? new JsonObject { ["totalSpent"] = 1000 } : JsonValue.Create(3);

        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json(body));

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors(member), Is.EqualTo(new[] { message }));
    }

    [Test]
    public async Task A_value_of_the_wrong_type_is_a_400_naming_its_field()
    {
        using var response = await Client.PostAsync(
            CustomerRequests.Path,
            CustomerRequests.Json($"{{\"email\": \"{CustomerRequests.NewEmail()}\", \"profile\": {{\"age\": \"old\"}}}}"));

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors("profile.age"), Is.Not.Empty, problem.ToString());
    }

    [Test]
    public async Task Malformed_json_is_a_400_saying_where_the_parser_stopped()
    {
        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json("{\n  \"email\": \"a@b.co\",\n  \"name\": }"));

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("line 3"));
    }

    [Test]
    public async Task A_body_that_is_not_an_object_is_a_400()
    {
        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json("[1, 2]"));

        await response.ReadProblemAsync(400);
    }

    [Test]
    public async Task A_body_in_another_media_type_is_a_415()
    {
        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json("email=a@b.co", "text/plain"));

        var problem = await response.ReadProblemAsync(415);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("application/json"));
    }

    [Test]
    public async Task A_body_over_one_mebibyte_is_a_413()
    {
        var body = CustomerRequests.Body();
        body["name"] = new string('a', 1_100_000);

        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json(body));

        await response.ReadProblemAsync(413);
    }

    protected override CrmHostFactory CreateFactory() => PublishedEvents<CustomerCreatedIntegrationEvent>.Subscribe(new CrmHostFactory(), _created);

    private static (string Member, JsonNode? Value) Invalid(string field, string? json)
    {
        var member = field.Split('.')[0];
        if (json is not null)
        {
            return (member, JsonNode.Parse(json));
        }

        return field switch
        {
            "name" => (member, new string('n', 201)),
            "profile.gender" => (member, new JsonObject { ["gender"] = new string('g', 33) }),
            "profile.city" => (member, new JsonObject { ["city"] = new string('c', 101) }),
            "tags" or "preferences" => (member, new JsonArray(new string('t', 65))),
            "consent.push.source" => (member, new JsonObject { ["push"] = new JsonObject { ["status"] = "optedIn", ["source"] = new string('s', 65) } }),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "no invalid value for this field"),
        };
    }
}
