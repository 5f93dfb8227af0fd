using System.Net;
using System.Net.Http.Json;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Security;

namespace Crm.Modules.Identity.Tests.Administration.Users;

/// <summary>A host whose only Admin is the bootstrap one, acted on by an API key that may manage users.</summary>
public sealed class LastAdminTests : HostFixture
{
    [Test]
    public async Task The_last_active_admin_can_be_neither_demoted_nor_disabled_until_there_is_another()
    {
        var key = (await Client.CreateApiKeyAsync(Permissions.UsersManage)).GetProperty("key").GetString()!;
        using var caller = Factory.CreateAnonymousClient();
        caller.DefaultRequestHeaders.Add(CrmAuthenticationSchemes.ApiKeyHeader, key);
        var admin = (await Client.GetJsonAsync($"{AdminRequests.Users}?role=Admin")).GetProperty("items").EnumerateArray().Single();

        using var demote = await caller.PutAsJsonAsync($"{AdminRequests.Users}/{admin.Id()}/role", new { role = Roles.Viewer });
        using var disable = await caller.PostAsync($"{AdminRequests.Users}/{admin.Id()}/disable", null);

        Assert.That((await demote.ReadProblemAsync(422)).GetProperty("code").GetString(), Is.EqualTo("identity.last_admin"));
        Assert.That((await disable.ReadProblemAsync(422)).GetProperty("code").GetString(), Is.EqualTo("identity.last_admin"));

        var second = await Factory.CreateUserAsync(Roles.Admin);
        using var demoteNow = await caller.PutAsJsonAsync($"{AdminRequests.Users}/{second.Id}/role", new { role = Roles.Viewer });
        Assert.That(demoteNow.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
