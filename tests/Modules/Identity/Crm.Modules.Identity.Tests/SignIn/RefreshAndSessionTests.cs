using System.Net;
using System.Net.Http.Json;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Security;

namespace Crm.Modules.Identity.Tests.SignIn;

public sealed class RefreshAndSessionTests : HostFixture
{
    [Test]
    public async Task A_refresh_answers_new_tokens_and_uses_up_the_old_refresh_token()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);
        using var anonymous = Factory.CreateAnonymousClient();
        var first = await (await anonymous.LogInAsync(user.Email, user.Password)).TokensAsync();

        var second = await (await anonymous.RefreshAsync(first.RefreshToken())).TokensAsync();

        Assert.That(second.RefreshToken(), Is.Not.EqualTo(first.RefreshToken()));
        using var client = Factory.CreateClientWithToken(second.Access());
        using var customers = await client.GetAsync(AuthCalls.Customers);
        Assert.That(customers.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var third = await (await anonymous.RefreshAsync(second.RefreshToken())).TokensAsync();
        Assert.That(third.RefreshToken(), Is.Not.EqualTo(second.RefreshToken()));
    }

    [Test]
    public async Task An_unknown_or_expired_refresh_token_is_a_401()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);
        using var anonymous = Factory.CreateAnonymousClient();
        var tokens = await (await anonymous.LogInAsync(user.Email, user.Password)).TokensAsync();
        await Factory.ExpireRefreshTokensOfAsync(user.Id);

        using var expired = await anonymous.RefreshAsync(tokens.RefreshToken());
        await expired.AssertUnauthorizedAsync();
        using var unknown = await anonymous.RefreshAsync("not-a-token");
        await unknown.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task Logout_ends_the_sign_in_so_its_refresh_token_no_longer_works()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);
        using var anonymous = Factory.CreateAnonymousClient();
        var tokens = await (await anonymous.LogInAsync(user.Email, user.Password)).TokensAsync();
        using var client = Factory.CreateClientWithToken(tokens.Access());

        using var logout = await client.PostAsJsonAsync(AuthCalls.Logout, new { refreshToken = tokens.RefreshToken() });

        Assert.That(logout.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        using var refresh = await anonymous.RefreshAsync(tokens.RefreshToken());
        await refresh.AssertUnauthorizedAsync();
        Assert.That((await Factory.AuditAsync("sign_out")).Select(e => e.ActorId), Does.Contain(user.Id));
    }

    [Test]
    public async Task Logout_with_someone_elses_refresh_token_leaves_their_sign_in_alone()
    {
        var victim = await Factory.CreateUserAsync(Roles.Viewer);
        using var anonymous = Factory.CreateAnonymousClient();
        var tokens = await (await anonymous.LogInAsync(victim.Email, victim.Password)).TokensAsync();
        using var other = await Factory.CreateClientAsAsync(Roles.Viewer);

        using var logout = await other.PostAsJsonAsync(AuthCalls.Logout, new { refreshToken = tokens.RefreshToken() });

        Assert.That(logout.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        using var refresh = await anonymous.RefreshAsync(tokens.RefreshToken());
        Assert.That(refresh.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Logout_needs_a_signed_in_caller()
    {
        using var anonymous = Factory.CreateAnonymousClient();
        using var response = await anonymous.PostAsJsonAsync(AuthCalls.Logout, new { refreshToken = "x" });

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task Me_tells_a_user_their_role_and_permissions()
    {
        using var client = await Factory.CreateClientAsAsync(Roles.Analyst);

        var me = await (await client.GetAsync(AuthCalls.Me)).ReadJsonAsync();

        Assert.That(me.GetProperty("role").GetString(), Is.EqualTo(Roles.Analyst));
        Assert.That(me.GetProperty("waitingForAccess").GetBoolean(), Is.False);
        Assert.That(me.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()), Is.EquivalentTo(Roles.PermissionsOf(Roles.Analyst)));
    }

    [Test]
    public async Task A_user_without_a_role_is_waiting_for_access_and_sees_no_data()
    {
        using var client = await Factory.CreateClientAsAsync(role: null);

        var me = await (await client.GetAsync(AuthCalls.Me)).ReadJsonAsync();
        Assert.That(me.GetProperty("waitingForAccess").GetBoolean(), Is.True);
        Assert.That(me.GetProperty("permissions").GetArrayLength(), Is.Zero);

        using var customers = await client.GetAsync(AuthCalls.Customers);
        await customers.ReadProblemAsync(403);
    }
}
