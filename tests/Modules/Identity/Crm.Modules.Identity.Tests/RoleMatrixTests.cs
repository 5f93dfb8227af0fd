using System.Net.Http.Json;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.Tests;

/// <summary>
/// For each role and each endpoint group, the answer is 2xx or 403 exactly as <see cref="Roles.PermissionsOf"/> says.
/// The expectation is read from that table, never restated here; only the requests that exercise a permission are.
/// </summary>
public sealed class RoleMatrixTests : HostFixture
{
    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);
    private string _customerEmail = "";

    /// <summary>One request per permission that an endpoint requires today; a module adding endpoints adds its group.</summary>
    private static readonly EndpointGroup[] Groups =
    [
        new("customers read", Permissions.CustomersRead, (client, _) => client.GetAsync("/api/v1/customers")),
        new("customers write", Permissions.CustomersWrite, (client, _) => client.PostAsJsonAsync("/api/v1/customers", new { email = AdminRequests.Email("matrix") })),
        new("orders read", Permissions.OrdersRead, (client, email) => client.GetAsync($"/api/v1/orders?email={Uri.EscapeDataString(email)}")),
        new("orders write", Permissions.OrdersWrite, (client, email) => client.PostAsJsonAsync("/api/v1/orders", new
        {
            externalOrderId = Guid.NewGuid().ToString("N"),
            customerEmail = email,
            amount = 10m,
            currency = "USD",
            items = new[] { new { sku = "SKU-1", name = "Mug", quantity = 1, unitPrice = 10m } },
        })),
        new("segments read", Permissions.SegmentsRead, (client, _) => client.PostAsJsonAsync("/api/v1/segments/preview", new
        {
            rules = new { field = "total_spent", @operator = ">", value = 0 },
        })),
        new("segments write", Permissions.SegmentsWrite, (client, _) => client.PostAsJsonAsync("/api/v1/segments", new
        {
            name = "matrix " + Guid.NewGuid().ToString("N"),
            rules = new { field = "total_spent", @operator = ">", value = 0 },
        })),
        new("users", Permissions.UsersManage, (client, _) => client.GetAsync(AdminRequests.Users)),
        new("apikeys", Permissions.ApiKeysManage, (client, _) => client.GetAsync(AdminRequests.ApiKeys)),
        new("audit", Permissions.AuditRead, (client, _) => client.GetAsync(AdminRequests.Audit)),
    ];

    public static IEnumerable<TestCaseData> Cases() =>
        from role in Roles.All
        from g in Groups
        select new TestCaseData(role, g.Name).SetName($"{role} on {g.Name}");

    [OneTimeSetUp]
    public async Task SignInEveryRole()
    {
        foreach (var role in Roles.All)
        {
            _clients[role] = await Factory.CreateClientAsAsync(role);
        }

        _customerEmail = AdminRequests.Email("matrix-customer");
        using var created = await Client.PostAsJsonAsync("/api/v1/customers", new { email = _customerEmail });
        Assert.That((int)created.StatusCode, Is.EqualTo(201));
    }

    [OneTimeTearDown]
    public void SignOutEveryRole()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task A_role_is_let_in_or_forbidden_as_the_roles_table_says(string role, string group)
    {
        var endpoint = Groups.Single(g => g.Name == group);
        var allowed = Roles.PermissionsOf(role).Contains(endpoint.Permission);

        using var response = await endpoint.Send(_clients[role], _customerEmail);

        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        if (allowed)
        {
            Assert.That(status, Is.InRange(200, 299), $"{role} holds {endpoint.Permission}: {body}");
        }
        else
        {
            Assert.That(status, Is.EqualTo(403), $"{role} lacks {endpoint.Permission}: {body}");
        }
    }

    [Test]
    public async Task A_signed_in_person_without_a_role_is_forbidden_everywhere()
    {
        using var waiting = await Factory.CreateClientAsAsync(null);

        foreach (var endpoint in Groups)
        {
            using var response = await endpoint.Send(waiting, _customerEmail);
            Assert.That((int)response.StatusCode, Is.EqualTo(403), endpoint.Name);
        }
    }

    [Test]
    public void Every_permission_an_endpoint_requires_has_a_group_in_the_matrix()
    {
        var required = Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .SelectMany(endpoint => endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>())
            .Select(data => data.Policy)
            .OfType<string>()
            .Where(policy => policy.StartsWith(Permissions.PolicyPrefix, StringComparison.Ordinal))
            .Select(policy => policy[Permissions.PolicyPrefix.Length..])
            .ToHashSet(StringComparer.Ordinal);

        Assert.That(required, Does.Contain(Permissions.CustomersRead), "the endpoints' permission policies were not found at all");
        Assert.That(Groups.Select(g => g.Permission), Is.SupersetOf(required));
    }

    private sealed record EndpointGroup(string Name, string Permission, Func<HttpClient, string, Task<HttpResponseMessage>> Send);
}
