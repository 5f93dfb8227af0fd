using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Modules.Identity.SignIn.Google;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.Tests.GoogleSignIn;

public sealed class SignInWithGoogleTests : HostFixture
{
    private const string Path = "/api/v1/auth/google";
    private const string Customers = "/api/v1/customers";
    private const string AllowedEmail = "allowed@example.com";

    protected override CrmHostFactory CreateFactory() =>
        new CrmHostFactory()
            .WithSetting("Auth:Google:ClientId", TestGoogle.ClientId)
            .WithSetting("Auth:Google:AllowedEmails:0", AllowedEmail)
            .WithSetting("Auth:Google:DefaultRole", Roles.Analyst)
            .WithTestServices(services => services.AddSingleton<GoogleCertificateSource>(TestGoogle.Certificates));

    [Test]
    public async Task An_unknown_person_signs_in_and_waits_for_access_without_seeing_data()
    {
        var email = AdminRequests.Email("newcomer");

        var tokens = await SignInAsync(TestGoogle.IdToken(email, Subject()));

        using var asUser = Factory.CreateClientWithToken(tokens.GetProperty("accessToken").GetString()!);
        using var data = await asUser.GetAsync(Customers);
        Assert.That(data.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var user = await FindUserAsync(email);
        Assert.That(user.GetProperty("role").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(user.GetProperty("status").GetString(), Is.EqualTo("active"));
        Assert.That(user.GetProperty("hasGoogle").GetBoolean(), Is.True);
        var audit = await Client.AuditAsync($"action=sign_in&targetId={user.Id()}");
        Assert.That(audit.Single().GetProperty("detail").GetString(), Is.EqualTo("google"));
    }

    [Test]
    public async Task An_allowed_email_gets_the_default_role_at_first_sign_in()
    {
        var tokens = await SignInAsync(TestGoogle.IdToken(AllowedEmail, Subject()));

        using var asUser = Factory.CreateClientWithToken(tokens.GetProperty("accessToken").GetString()!);
        using var data = await asUser.GetAsync(Customers);
        Assert.That(data.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await FindUserAsync(AllowedEmail)).GetProperty("role").GetString(), Is.EqualTo(Roles.Analyst));
    }

    [Test]
    public async Task An_invited_person_becomes_active_with_the_invited_role_and_keeps_it_on_later_sign_ins()
    {
        var email = AdminRequests.Email("invitee");
        var invited = (await Client.InviteAsync(email, Roles.Marketer)).GetProperty("user");
        var subject = Subject();

        await SignInAsync(TestGoogle.IdToken(email, subject));
        var tokens = await SignInAsync(TestGoogle.IdToken(email, subject));

        var user = await FindUserAsync(email);
        Assert.That(user.Id(), Is.EqualTo(invited.Id()));
        Assert.That(user.GetProperty("status").GetString(), Is.EqualTo("active"));
        Assert.That(user.GetProperty("role").GetString(), Is.EqualTo(Roles.Marketer));
        using var asUser = Factory.CreateClientWithToken(tokens.GetProperty("accessToken").GetString()!);
        using var write = await asUser.PostAsJsonAsync(Customers, new { email = AdminRequests.Email("customer") });
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task A_disabled_user_is_refused_and_the_refusal_is_audited()
    {
        var email = AdminRequests.Email("disabled");
        var subject = Subject();
        await SignInAsync(TestGoogle.IdToken(email, subject));
        var user = await FindUserAsync(email);
        using (var disable = await Client.PostAsync($"{AdminRequests.Users}/{user.Id()}/disable", null))
        {
            Assert.That(disable.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var response = await PostAsync(TestGoogle.IdToken(email, subject));

        await response.ReadProblemAsync(401);
        var failures = await Client.AuditAsync($"action=sign_in_failed&targetId={user.Id()}");
        Assert.That(failures.Single().GetProperty("succeeded").GetBoolean(), Is.False);
    }

    [Test]
    public async Task A_google_account_other_than_the_one_linked_to_the_email_is_refused()
    {
        var email = AdminRequests.Email("linked");
        await SignInAsync(TestGoogle.IdToken(email, Subject()));

        using var response = await PostAsync(TestGoogle.IdToken(email, Subject()));

        await response.ReadProblemAsync(401);
    }

    [Test]
    public async Task Tokens_that_fail_validation_are_401s_and_audited_as_failures()
    {
        var email = AdminRequests.Email("refused");
        string[] tokens =
        [
            TestGoogle.IdToken(email, Subject(), p => p["aud"] = "another-client"),
            TestGoogle.IdToken(email, Subject(), p => p["exp"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds()),
            TestGoogle.IdToken(email, Subject(), p => p["iss"] = "https://evil.example.com"),
            TestGoogle.IdToken(email, Subject(), forged: true),
            "not-a-token",
        ];
        var before = (await Client.AuditAsync("action=sign_in_failed")).Count;

        foreach (var token in tokens)
        {
            using var response = await PostAsync(token);
            await response.ReadProblemAsync(401);
        }

        Assert.That((await Client.AuditAsync("action=sign_in_failed")).Count, Is.EqualTo(before + tokens.Length));
        using var list = await Client.GetAsync($"{AdminRequests.Users}?limit=200");
        Assert.That(await list.Content.ReadAsStringAsync(), Does.Not.Contain(email));
    }

    [Test]
    public async Task A_body_without_a_token_is_a_400()
    {
        using var anonymous = Factory.CreateAnonymousClient();

        using var response = await anonymous.PostAsJsonAsync(Path, new { idToken = "" });

        Assert.That((await response.ReadProblemAsync(400)).GetProperty("errors").TryGetProperty("idToken", out _), Is.True);
    }

    private static string Subject() => Guid.NewGuid().ToString("N");

    private async Task<HttpResponseMessage> PostAsync(string idToken)
    {
        using var anonymous = Factory.CreateAnonymousClient();
        return await anonymous.PostAsJsonAsync(Path, new { idToken });
    }

    private async Task<JsonElement> SignInAsync(string idToken)
    {
        using var response = await PostAsync(idToken);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<JsonElement> FindUserAsync(string email)
    {
        var page = await Client.GetJsonAsync($"{AdminRequests.Users}?limit=200");
        return page.GetProperty("items").EnumerateArray().Single(u => u.GetProperty("email").GetString() == email.ToLowerInvariant());
    }
}

/// <summary>Google sign-in with a hosted domain required: a token of another domain is refused through the endpoint too.</summary>
public sealed class SignInWithGoogleHostedDomainTests : HostFixture
{
    protected override CrmHostFactory CreateFactory() =>
        new CrmHostFactory()
            .WithSetting("Auth:Google:ClientId", TestGoogle.ClientId)
            .WithSetting("Auth:Google:HostedDomain", "example.com")
            .WithTestServices(services => services.AddSingleton<GoogleCertificateSource>(TestGoogle.Certificates));

    [Test]
    public async Task Only_accounts_of_the_hosted_domain_sign_in()
    {
        using var anonymous = Factory.CreateAnonymousClient();

        using var other = await anonymous.PostAsJsonAsync("/api/v1/auth/google", new { idToken = TestGoogle.IdToken("a@other.example", "s1", p => p["hd"] = "other.example") });
        using var ours = await anonymous.PostAsJsonAsync("/api/v1/auth/google", new { idToken = TestGoogle.IdToken("b@example.com", "s2", p => p["hd"] = "example.com") });

        await other.ReadProblemAsync(401);
        Assert.That(ours.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
