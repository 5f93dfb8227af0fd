using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.Tests.Administration.ApiKeys;

public sealed partial class ApiKeyTests : HostFixture
{
    private const string Customers = "/api/v1/customers";

    [Test]
    public async Task A_new_key_is_shown_once_and_listed_without_its_secret()
    {
        var created = await Client.CreateApiKeyAsync(Permissions.CustomersRead);
        var key = created.GetProperty("key").GetString()!;

        Assert.That(KeyShape().IsMatch(key), Is.True, key);
        Assert.That(key, Does.StartWith($"crm_{created.GetProperty("prefix").GetString()}_"));
        var listed = (await Client.GetJsonAsync(AdminRequests.ApiKeys)).GetProperty("items").EnumerateArray().Single(k => k.Id() == created.Id());
        Assert.That(listed.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()), Is.EqualTo(new[] { Permissions.CustomersRead }));
        Assert.That(listed.GetProperty("createdBy").GetString(), Is.Not.Empty);
        Assert.That(listed.GetRawText(), Does.Not.Contain(key[^20..]));
        Assert.That(listed.TryGetProperty("key", out _) || listed.TryGetProperty("hash", out _), Is.False);
    }

    [Test]
    public async Task A_key_in_x_api_key_can_do_what_its_permissions_allow_and_nothing_else()
    {
        var key = (await Client.CreateApiKeyAsync(Permissions.CustomersRead)).GetProperty("key").GetString()!;
        using var caller = Factory.CreateAnonymousClient();
        caller.DefaultRequestHeaders.Add(CrmAuthenticationSchemes.ApiKeyHeader, key);

        using var read = await caller.GetAsync(Customers);
        using var write = await caller.PostAsJsonAsync(Customers, new { email = AdminRequests.Email("c") });
        using var admin = await caller.GetAsync(AdminRequests.Users);

        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(admin.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_key_in_the_authorization_header_works_too()
    {
        var key = (await Client.CreateApiKeyAsync(Permissions.CustomersRead)).GetProperty("key").GetString()!;
        using var caller = Factory.CreateAnonymousClient();
        caller.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);

        using var response = await caller.GetAsync(Customers);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_revoked_key_is_refused_at_once_and_both_steps_are_audited()
    {
        var created = await Client.CreateApiKeyAsync(Permissions.CustomersRead);
        using var caller = Factory.CreateAnonymousClient();
        caller.DefaultRequestHeaders.Add(CrmAuthenticationSchemes.ApiKeyHeader, created.GetProperty("key").GetString());
        using (var before = await caller.GetAsync(Customers))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var revoke = await Client.DeleteAsync($"{AdminRequests.ApiKeys}/{created.Id()}");
        using var after = await caller.GetAsync(Customers);

        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var listed = (await Client.GetJsonAsync(AdminRequests.ApiKeys)).GetProperty("items").EnumerateArray().Single(k => k.Id() == created.Id());
        Assert.That(listed.GetProperty("revokedAt").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.String));
        var audit = await Client.AuditAsync($"targetId={created.Id()}");
        Assert.That(audit.Select(e => e.GetProperty("action").GetString()), Is.EqualTo(new[] { "api_key_revoked", "api_key_created" }));
    }

    [TestCase("crm_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [TestCase("not a key")]
    [TestCase("crm_")]
    public async Task An_unknown_or_malformed_key_is_a_401(string key)
    {
        using var caller = Factory.CreateAnonymousClient();
        caller.DefaultRequestHeaders.Add(CrmAuthenticationSchemes.ApiKeyHeader, key);

        using var response = await caller.GetAsync(Customers);

        await response.ReadProblemAsync(401);
        Assert.That(response.Headers.WwwAuthenticate.Select(h => h.Scheme), Does.Contain("ApiKey"));
    }

    [Test]
    public async Task A_call_with_a_key_records_when_it_was_last_used()
    {
        var created = await Client.CreateApiKeyAsync(Permissions.CustomersRead);
        using var caller = Factory.CreateAnonymousClient();
        caller.DefaultRequestHeaders.Add(CrmAuthenticationSchemes.ApiKeyHeader, created.GetProperty("key").GetString());

        using (await caller.GetAsync(Customers))
        using (await caller.GetAsync(Customers))
        {
        }

        var listed = (await Client.GetJsonAsync(AdminRequests.ApiKeys)).GetProperty("items").EnumerateArray().Single(k => k.Id() == created.Id());
        Assert.That(listed.GetProperty("lastUsedAt").GetDateTimeOffset(), Is.GreaterThanOrEqualTo(created.GetProperty("createdAt").GetDateTimeOffset()));
    }

    [Test]
    public async Task A_busy_key_writes_its_last_used_time_once_not_on_every_call()
    {
        var created = await Client.CreateApiKeyAsync(Permissions.CustomersRead);
        using var caller = Factory.CreateAnonymousClient();
        caller.DefaultRequestHeaders.Add(CrmAuthenticationSchemes.ApiKeyHeader, created.GetProperty("key").GetString());
        using (await caller.GetAsync(Customers))
        {
        }

        var afterFirst = await StoredKeyAsync(created.Id());
        for (var i = 0; i < 10; i++)
        {
            using var response = await caller.GetAsync(Customers);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var afterEleven = await StoredKeyAsync(created.Id());
        Assert.That(afterFirst.LastUsedAt, Is.Not.Null);
        Assert.That(afterEleven.Version, Is.EqualTo(afterFirst.Version), "the key document was written again within the minute");
        Assert.That(afterEleven.LastUsedAt, Is.EqualTo(afterFirst.LastUsedAt));
    }

    [Test]
    public async Task Unknown_permissions_and_a_missing_name_are_400s_naming_the_field()
    {
        using var response = await Client.PostAsJsonAsync(AdminRequests.ApiKeys, new { permissions = new[] { Permissions.CustomersRead, "customers:everything" } });

        var problem = await response.ReadProblemAsync(400);
        var errors = problem.GetProperty("errors");
        Assert.That(errors.TryGetProperty("name", out _), Is.True, errors.GetRawText());
        Assert.That(errors.TryGetProperty("permissions[1]", out _), Is.True, errors.GetRawText());
    }

    [Test]
    public async Task A_key_with_no_permissions_or_without_a_body_is_a_400()
    {
        using var empty = await Client.PostAsJsonAsync(AdminRequests.ApiKeys, new { name = "x", permissions = Array.Empty<string>() });
        using var none = await Client.PostAsync(AdminRequests.ApiKeys, new StringContent("", null, "application/json"));

        await empty.ReadProblemAsync(400);
        await none.ReadProblemAsync(400);
    }

    [Test]
    public async Task A_key_cannot_be_given_permissions_its_creator_does_not_hold()
    {
        var manager = (await Client.CreateApiKeyAsync(Permissions.ApiKeysManage, Permissions.CustomersRead)).GetProperty("key").GetString()!;
        using var caller = Factory.CreateAnonymousClient();
        caller.DefaultRequestHeaders.Add(CrmAuthenticationSchemes.ApiKeyHeader, manager);

        using var wider = await caller.PostAsJsonAsync(AdminRequests.ApiKeys, new { name = "wider", permissions = new[] { Permissions.CustomersWrite } });
        using var same = await caller.PostAsJsonAsync(AdminRequests.ApiKeys, new { name = "same", permissions = new[] { Permissions.CustomersRead } });

        var problem = await wider.ReadProblemAsync(422);
        Assert.That(problem.GetProperty("errors").TryGetProperty("permissions", out _), Is.True);
        Assert.That(same.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Revoking_an_unknown_key_is_a_404()
    {
        using var response = await Client.DeleteAsync($"{AdminRequests.ApiKeys}/{Guid.NewGuid():N}");

        await response.ReadProblemAsync(404);
    }

    [Test]
    public async Task Keys_are_managed_only_by_callers_with_the_permission()
    {
        using var marketer = await Factory.CreateClientAsAsync(Roles.Marketer);
        using var anonymous = Factory.CreateAnonymousClient();

        using var forbidden = await marketer.PostAsJsonAsync(AdminRequests.ApiKeys, new { name = "m", permissions = new[] { Permissions.CustomersRead } });
        using var unauthenticated = await anonymous.GetAsync(AdminRequests.ApiKeys);

        Assert.That(forbidden.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(unauthenticated.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private async Task<ApiKey> StoredKeyAsync(string id)
    {
        await using var session = Factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        return (await session.LoadAsync<ApiKey>(id, CancellationToken.None))!;
    }

    [GeneratedRegex("^crm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyShape();
}
