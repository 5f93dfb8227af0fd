using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.Tests.Administration.Users;

public sealed class UsersTests : HostFixture
{
    private const string Customers = "/api/v1/customers";
    private const string Accept = "/api/v1/auth/invitations/accept";

    private async Task<List<RefreshToken>> RefreshTokensOfAsync(string userId)
    {
        await using var session = Factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        return [.. await session.Query<RefreshToken>().Where(x => x.UserId == userId).ToListAsync(CancellationToken.None)];
    }

    [Test]
    public async Task An_invitation_creates_an_invited_user_with_the_role_and_a_one_time_code()
    {
        var email = AdminRequests.Email("Invited");

        var invitation = await Client.InviteAsync(email.ToUpperInvariant(), "marketer");

        var user = invitation.GetProperty("user");
        Assert.That(user.GetProperty("email").GetString(), Is.EqualTo(email.ToLowerInvariant()));
        Assert.That(user.GetProperty("role").GetString(), Is.EqualTo(Roles.Marketer));
        Assert.That(user.GetProperty("status").GetString(), Is.EqualTo("invited"));
        Assert.That(invitation.GetProperty("invitationCode").GetString(), Has.Length.EqualTo(43));
        var audit = await Client.AuditAsync($"targetId={user.Id()}");
        Assert.That(audit.Select(e => e.GetProperty("action").GetString()), Is.EqualTo(new[] { "user_invited" }));
    }

    [Test]
    public async Task Inviting_an_email_that_has_a_user_is_a_409()
    {
        var email = AdminRequests.Email("twice");
        await Client.InviteAsync(email, Roles.Viewer);

        using var response = await Client.PostAsJsonAsync($"{AdminRequests.Users}/invitations", new { email, role = Roles.Analyst });

        await response.ReadProblemAsync(409);
    }

    [Test]
    public async Task An_invitation_with_a_bad_email_or_an_unknown_role_is_a_400_naming_both()
    {
        using var response = await Client.PostAsJsonAsync($"{AdminRequests.Users}/invitations", new { email = "not-an-email", role = "Owner" });

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.That(errors.TryGetProperty("email", out _) && errors.TryGetProperty("role", out _), Is.True, errors.GetRawText());
    }

    [Test]
    public async Task The_list_filters_by_role_and_status_and_pages_by_email_without_repeats()
    {
        var emails = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var email = AdminRequests.Email($"page{i}");
            emails.Add(email);
            await Client.InviteAsync(email, Roles.Analyst);
        }

        var seen = new List<JsonElement>();
        string? next = null;
        do
        {
            var page = await Client.GetJsonAsync($"{AdminRequests.Users}?role=Analyst&status=invited&limit=2{(next is null ? "" : $"&next={next}")}");
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.That(items, Has.Count.LessThanOrEqualTo(2));
            seen.AddRange(items);
            next = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
        }
        while (next is not null);

        var seenEmails = seen.Select(u => u.GetProperty("email").GetString()!).ToList();
        Assert.That(seenEmails, Is.Unique);
        Assert.That(seenEmails, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(seenEmails, Is.SupersetOf(emails));
        Assert.That(seen.All(u => u.GetProperty("role").GetString() == Roles.Analyst && u.GetProperty("status").GetString() == "invited"), Is.True);
    }

    [TestCase("role=Owner", "role")]
    [TestCase("status=gone", "status")]
    [TestCase("limit=0", "limit")]
    [TestCase("next=garbage", "next")]
    public async Task A_bad_list_parameter_is_a_400_naming_it(string query, string field)
    {
        using var response = await Client.GetAsync($"{AdminRequests.Users}?{query}");

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.That(errors.TryGetProperty(field, out _), Is.True, errors.GetRawText());
    }

    [Test]
    public async Task Users_waiting_for_access_are_listed_with_role_none()
    {
        var waiting = await Factory.CreateUserAsync(null);

        var page = await Client.GetJsonAsync($"{AdminRequests.Users}?role=none&limit=200");

        Assert.That(page.GetProperty("items").EnumerateArray().Select(u => u.Id()), Does.Contain(waiting.Id));
        Assert.That(page.GetProperty("items").EnumerateArray().All(u => u.GetProperty("role").ValueKind == JsonValueKind.Null), Is.True);
    }

    [Test]
    public async Task A_role_change_stops_the_users_current_token_and_is_audited_old_to_new()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);
        using var asUser = Factory.CreateClientWithToken((await Factory.LogInAsync(user.Email, user.Password)).GetProperty("accessToken").GetString()!);
        using (var before = await asUser.GetAsync(Customers))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var change = await Client.PutAsJsonAsync($"{AdminRequests.Users}/{user.Id}/role", new { role = Roles.Marketer });
        using var after = await asUser.GetAsync(Customers);

        Assert.That(change.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await change.ReadJsonAsync()).GetProperty("role").GetString(), Is.EqualTo(Roles.Marketer));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var audit = await Client.AuditAsync($"action=role_changed&targetId={user.Id}");
        Assert.That(audit.Single().GetProperty("detail").GetString(), Is.EqualTo("Viewer -> Marketer"));
        using var asMarketer = Factory.CreateClientWithToken((await Factory.LogInAsync(user.Email, user.Password)).GetProperty("accessToken").GetString()!);
        using var write = await asMarketer.PostAsJsonAsync(Customers, new { email = AdminRequests.Email("c") });
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task A_null_role_sends_the_user_back_to_waiting_for_access()
    {
        var user = await Factory.CreateUserAsync(Roles.Analyst);

        using var change = await Client.PutAsJsonAsync($"{AdminRequests.Users}/{user.Id}/role", new { role = (string?)null });

        Assert.That((await change.ReadJsonAsync()).GetProperty("role").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var audit = await Client.AuditAsync($"action=role_changed&targetId={user.Id}");
        Assert.That(audit.Single().GetProperty("detail").GetString(), Is.EqualTo("Analyst -> none"));
    }

    [Test]
    public async Task A_role_change_to_an_unknown_role_is_a_400_and_of_an_unknown_user_a_404()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);

        using var unknownRole = await Client.PutAsJsonAsync($"{AdminRequests.Users}/{user.Id}/role", new { role = "Owner" });
        using var unknownUser = await Client.PutAsJsonAsync($"{AdminRequests.Users}/{Guid.NewGuid():N}/role", new { role = Roles.Viewer });

        Assert.That((await unknownRole.ReadProblemAsync(400)).GetProperty("errors").TryGetProperty("role", out _), Is.True);
        await unknownUser.ReadProblemAsync(404);
    }

    [Test]
    public async Task Disabling_a_user_kills_their_access_and_refresh_tokens_and_enabling_lets_them_sign_in_again()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);
        var tokens = await Factory.LogInAsync(user.Email, user.Password);
        using var asUser = Factory.CreateClientWithToken(tokens.GetProperty("accessToken").GetString()!);

        using var disable = await Client.PostAsync($"{AdminRequests.Users}/{user.Id}/disable", null);
        using var call = await asUser.GetAsync(Customers);
        using var anonymous = Factory.CreateAnonymousClient();
        using var logIn = await anonymous.LogInAsync(user.Email, user.Password);
        using var refresh = await anonymous.RefreshAsync(tokens.RefreshToken());

        Assert.That((await disable.ReadJsonAsync()).GetProperty("status").GetString(), Is.EqualTo("disabled"));
        Assert.That(call.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(logIn.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(refresh.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var refreshTokens = await RefreshTokensOfAsync(user.Id);
        Assert.That(refreshTokens, Is.Not.Empty);
        Assert.That(refreshTokens.All(t => t.RevokedAt is not null && t.RevokedReason == "user disabled"), Is.True);

        using var enable = await Client.PostAsync($"{AdminRequests.Users}/{user.Id}/enable", null);
        Assert.That((await enable.ReadJsonAsync()).GetProperty("status").GetString(), Is.EqualTo("active"));
        await Factory.LogInAsync(user.Email, user.Password);
        var audit = await Client.AuditAsync($"targetId={user.Id}&action=user_disabled");
        Assert.That(audit, Has.Count.EqualTo(1));
        Assert.That(await Client.AuditAsync($"targetId={user.Id}&action=user_enabled"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task An_invited_person_sets_a_password_with_the_code_once_and_is_signed_in_with_the_invited_role()
    {
        var email = AdminRequests.Email("local");
        var invitation = await Client.InviteAsync(email, Roles.Marketer);
        var code = invitation.GetProperty("invitationCode").GetString();
        const string password = "correct horse battery staple";
        using var anonymous = Factory.CreateAnonymousClient();

        using var accepted = await anonymous.PostAsJsonAsync(Accept, new { email, code, password });
        using var again = await anonymous.PostAsJsonAsync(Accept, new { email, code, password = "another long password" });

        var tokens = await accepted.ReadJsonAsync();
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK), tokens.GetRawText());
        using var asUser = Factory.CreateClientWithToken(tokens.GetProperty("accessToken").GetString()!);
        using var write = await asUser.PostAsJsonAsync(Customers, new { email = AdminRequests.Email("c") });
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        await again.ReadProblemAsync(401);
        await Factory.LogInAsync(email, password);
        var user = invitation.GetProperty("user").Id();
        Assert.That(await Client.AuditAsync($"action=invitation_accepted&targetId={user}"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_wrong_invitation_code_or_an_email_never_invited_gets_the_same_401()
    {
        var email = AdminRequests.Email("wrong-code");
        await Client.InviteAsync(email, Roles.Viewer);
        using var anonymous = Factory.CreateAnonymousClient();

        using var wrongCode = await anonymous.PostAsJsonAsync(Accept, new { email, code = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", password = "a long enough password" });
        using var notInvited = await anonymous.PostAsJsonAsync(Accept, new { email = AdminRequests.Email("nobody"), code = "x", password = "a long enough password" });

        var first = await wrongCode.ReadProblemAsync(401);
        var second = await notInvited.ReadProblemAsync(401);
        Assert.That(first.GetProperty("detail").GetString(), Is.EqualTo(second.GetProperty("detail").GetString()));
    }

    [Test]
    public async Task An_expired_invitation_code_no_longer_sets_a_password()
    {
        var email = AdminRequests.Email("expired");
        var code = (await Client.InviteAsync(email, Roles.Viewer)).GetProperty("invitationCode").GetString();
        await Factory.ChangeUserAsync(email, user => user.InvitationExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1));
        using var anonymous = Factory.CreateAnonymousClient();

        using var response = await anonymous.PostAsJsonAsync(Accept, new { email, code, password = "a long enough password" });

        await response.ReadProblemAsync(401);
        Assert.That((await Factory.UserAsync(email)).PasswordHash, Is.Null);
    }

    [Test]
    public async Task A_short_password_for_an_invitation_is_a_400_naming_it()
    {
        var email = AdminRequests.Email("short");
        var code = (await Client.InviteAsync(email, Roles.Viewer)).GetProperty("invitationCode").GetString();
        using var anonymous = Factory.CreateAnonymousClient();

        using var response = await anonymous.PostAsJsonAsync(Accept, new { email, code, password = "short" });

        Assert.That((await response.ReadProblemAsync(400)).GetProperty("errors").TryGetProperty("password", out _), Is.True);
    }

    [Test]
    public async Task An_admin_cannot_disable_themself()
    {
        var admins = await Client.GetJsonAsync($"{AdminRequests.Users}?role=Admin&limit=200");
        var me = admins.GetProperty("items").EnumerateArray().Single(u => u.GetProperty("email").GetString() == CrmHostFactory.AdminEmail);

        using var response = await Client.PostAsync($"{AdminRequests.Users}/{me.Id()}/disable", null);

        await response.ReadProblemAsync(422);
    }

    [Test]
    public async Task Disabling_or_enabling_an_unknown_user_is_a_404()
    {
        using var disable = await Client.PostAsync($"{AdminRequests.Users}/{Guid.NewGuid():N}/disable", null);
        using var enable = await Client.PostAsync($"{AdminRequests.Users}/{Guid.NewGuid():N}/enable", null);

        await disable.ReadProblemAsync(404);
        await enable.ReadProblemAsync(404);
    }
}
