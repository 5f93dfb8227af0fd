using System.Net;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Tests.Support;

namespace Crm.Modules.Customers.Tests.Features.PatchCustomer;

public sealed class PatchCustomerTests : HostFixture
{
    private readonly PublishedEvents<CustomerUpdatedIntegrationEvent> _updated = new();

    [Test]
    public async Task A_merge_patch_changes_the_fields_it_names_removes_nulls_and_keeps_the_rest()
    {
        var body = CustomerRequests.Body(name: "Ann");
        body["phone"] = "+4915112345678";
        body["customAttributes"] = new System.Text.Json.Nodes.JsonObject { ["plan"] = "gold", ["seats"] = 3 };
        var id = (await Client.CreateAsync(body)).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(
            id, """{"name": "Ann Patched", "phone": null, "profile": {"city": "Berlin"}, "customAttributes": {"plan": null, "seats": 4}}""");
        var customer = await response.ReadJsonAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), customer.ToString());
        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
        Assert.That(customer.GetProperty("name").GetString(), Is.EqualTo("Ann Patched"));
        Assert.That(customer.GetProperty("phone").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
        Assert.That(customer.GetProperty("profile").GetProperty("city").GetString(), Is.EqualTo("Berlin"));
        Assert.That(customer.GetProperty("customAttributes").TryGetProperty("plan", out _), Is.False);
        Assert.That(customer.GetProperty("customAttributes").GetProperty("seats").GetDecimal(), Is.EqualTo(4m));
        Assert.That(customer.GetProperty("email").GetString(), Is.EqualTo(body["email"]!.GetValue<string>()));
    }

    [Test]
    public async Task A_patch_publishes_customer_updated_naming_the_changed_fields()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, """{"tags": ["vip"], "consent": {"sms": {"status": "optedOut"}}}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var updated = await _updated.WaitForAsync(e => e.Customer.Id == id);
        Assert.That(updated.ChangedFields, Is.EquivalentTo(new[] { "tags", "consent" }));
        Assert.That(updated.Customer.Version, Is.EqualTo(2));
        Assert.That(updated.Customer.Consent.Sms?.Status, Is.EqualTo(ConsentStatus.OptedOut));
    }

    [Test]
    public async Task A_patch_with_the_current_version_in_if_match_applies_and_a_stale_one_is_a_412()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var first = await Client.PatchAsync(id, """{"name": "First"}""", ifMatch: "\"1\"");
        using var stale = await Client.PatchAsync(id, """{"name": "Second"}""", ifMatch: "\"1\"");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await stale.ReadProblemAsync(412);
        Assert.That((await Client.GetCustomerAsync(id)).GetProperty("name").GetString(), Is.EqualTo("First"));
    }

    [TestCase("*")]
    [TestCase("\"7\", \"1\"")]
    public async Task If_match_accepts_any_version_with_a_star_and_a_list_holding_the_current_one(string ifMatch)
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, """{"name": "Matched"}""", ifMatch);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("W/\"1\"")]
    [TestCase("1")]
    public async Task A_weak_or_unquoted_tag_in_if_match_never_matches(string ifMatch)
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, """{"name": "Matched"}""", ifMatch);

        await response.ReadProblemAsync(412);
    }

    [TestCase("behaviour", """{"behaviour": {"totalSpent": 1000}}""")]
    [TestCase("id", """{"id": "other"}""")]
    [TestCase("createdAt", """{"createdAt": "2020-01-01T00:00:00Z"}""")]
    public async Task Patching_a_read_only_field_is_a_400_naming_it(string field, string patch)
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, patch);

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors(field), Is.EqualTo(new[] { "is read-only" }));
    }

    [Test]
    public async Task A_patch_whose_result_breaks_a_rule_is_a_400_naming_the_field_and_changes_nothing()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, """{"email": null, "profile": {"country": "ZZ"}}""");

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors("email"), Is.Not.Empty);
        Assert.That(problem.FieldErrors("profile.country"), Is.Not.Empty);
        Assert.That((await Client.GetCustomerAsync(id)).GetProperty("version").GetInt64(), Is.EqualTo(1));
    }

    [Test]
    public async Task Patching_to_another_customers_email_is_a_409_naming_email()
    {
        var taken = (await Client.CreateAsync()).GetProperty("email").GetString();
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, $$"""{"email": "{{taken}}"}""");

        var problem = await response.ReadProblemAsync(409);
        Assert.That(problem.FieldErrors("email"), Is.Not.Empty);
    }

    [Test]
    public async Task A_patch_sent_as_plain_json_is_a_415_naming_the_merge_patch_type()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, """{"name": "x"}""", mediaType: "application/json");

        var problem = await response.ReadProblemAsync(415);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("application/merge-patch+json"));
    }

    [Test]
    public async Task A_malformed_patch_is_a_400_with_the_position()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, """{"name": "x",}""");

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("line 1"));
    }

    [Test]
    public async Task Patching_an_unknown_customer_is_a_404()
    {
        using var response = await Client.PatchAsync(Guid.NewGuid().ToString("N"), """{"name": "x"}""");

        await response.ReadProblemAsync(404);
    }

    [Test]
    public async Task A_patch_that_changes_nothing_keeps_the_version()
    {
        var created = await Client.CreateAsync(name: "Same");
        var id = created.GetProperty("id").GetString()!;

        using var response = await Client.PatchAsync(id, """{"name": "Same"}""");

        Assert.That((await response.ReadJsonAsync()).GetProperty("version").GetInt64(), Is.EqualTo(1));
    }

    protected override CrmHostFactory CreateFactory() => PublishedEvents<CustomerUpdatedIntegrationEvent>.Subscribe(new CrmHostFactory(), _updated);
}
