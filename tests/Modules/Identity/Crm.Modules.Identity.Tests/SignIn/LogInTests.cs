using System.Net;
using System.Net.Http.Json;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Security;

namespace Crm.Modules.Identity.Tests.SignIn;

public sealed class LogInTests : HostFixture
{
    [Test]
    public async Task The_bootstrap_admin_signs_in_and_gets_an_access_token_that_opens_the_API()
    {
        using var anonymous = Factory.CreateAnonymousClient();
        using var response = await anonymous.LogInAsync(CrmHostFactory.AdminEmail, Factory.AdminPassword);
        var tokens = await response.TokensAsync();

        Assert.That(tokens.GetProperty("tokenType").GetString(), Is.EqualTo("Bearer"));
        Assert.That(tokens.GetProperty("expiresIn").GetInt64(), Is.GreaterThan(0));
        Assert.That(tokens.RefreshToken(), Has.Length.GreaterThanOrEqualTo(43), "256 random bits, base64url");
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        using var client = Factory.CreateClientWithToken(tokens.Access());
        using var customers = await client.GetAsync(AuthCalls.Customers);
        Assert.That(customers.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task The_email_is_matched_whatever_its_case_and_surrounding_spaces()
    {
        using var anonymous = Factory.CreateAnonymousClient();
        using var response = await anonymous.LogInAsync("  ADMIN@crm.TEST ", Factory.AdminPassword);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_wrong_password_an_unknown_email_and_a_disabled_account_get_the_same_401()
    {
        var disabled = await Factory.CreateUserAsync(Roles.Viewer);
        await Factory.ChangeUserAsync(disabled.Email, u => u.Status = UserStatus.Disabled);
        var known = await Factory.CreateUserAsync(Roles.Viewer);
        using var anonymous = Factory.CreateAnonymousClient();

        var answers = new List<string>();
        foreach (var (email, password) in new[]
                 {
                     (known.Email, "not-the-password-at-all"),
                     ("nobody-" + Guid.NewGuid().ToString("N") + "@crm.test", "whatever-password-1"),
                     (disabled.Email, disabled.Password),
                 })
        {
            using var response = await anonymous.LogInAsync(email, password);
            await response.AssertUnauthorizedAsync();
            var problem = await response.ReadJsonAsync();
            answers.Add($"{problem.GetProperty("title").GetString()}|{problem.GetProperty("detail").GetString()}|{problem.GetProperty("code").GetString()}");
        }

        Assert.That(answers.Distinct().Count(), Is.EqualTo(1), string.Join(Environment.NewLine, answers));
        var failures = await Factory.AuditAsync("sign_in_failed");
        Assert.That(failures.Select(f => f.Detail), Is.SupersetOf(new[] { "wrong password", "unknown account", "disabled" }));
    }

    [Test]
    public async Task After_five_wrong_passwords_the_account_is_locked_and_even_the_right_password_is_refused()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);
        using var anonymous = Factory.CreateAnonymousClient();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await anonymous.LogInAsync(user.Email, $"wrong-password-{i}");
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        using var right = await anonymous.LogInAsync(user.Email, user.Password);
        await right.AssertUnauthorizedAsync();

        var stored = await Factory.UserAsync(user.Email);
        Assert.That(stored.LockedUntil, Is.GreaterThan(DateTimeOffset.UtcNow.AddMinutes(14)));
        Assert.That((await Factory.AuditAsync("locked_out")).Select(e => e.TargetId), Does.Contain(user.Id));
    }

    [Test]
    public async Task When_the_lock_has_run_out_the_right_password_works_again()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);
        await Factory.ChangeUserAsync(user.Email, u => u.LockedUntil = DateTimeOffset.UtcNow.AddSeconds(-1));
        using var anonymous = Factory.CreateAnonymousClient();

        using var response = await anonymous.LogInAsync(user.Email, user.Password);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Factory.UserAsync(user.Email)).LockedUntil, Is.Null);
    }

    [Test]
    public async Task A_successful_sign_in_is_audited_with_the_user()
    {
        var user = await Factory.CreateUserAsync(Roles.Analyst);
        using var anonymous = Factory.CreateAnonymousClient();
        using var response = await anonymous.LogInAsync(user.Email, user.Password);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That((await Factory.AuditAsync("sign_in")).Select(e => e.ActorId), Does.Contain(user.Id));
    }

    [Test]
    public async Task An_empty_email_or_password_is_a_400_naming_the_field()
    {
        using var anonymous = Factory.CreateAnonymousClient();
        using var response = await anonymous.PostAsJsonAsync(AuthCalls.Login, new { email = "", password = "" });

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("errors").TryGetProperty("email", out _), Is.True, problem.GetRawText());
    }

    [Test]
    public async Task The_problem_of_a_denied_call_says_what_to_do()
    {
        using var viewer = await Factory.CreateClientAsAsync(Roles.Viewer);
        using var response = await viewer.PostAsJsonAsync(AuthCalls.Customers, new { email = "x@example.com" });

        var problem = await response.ReadProblemAsync(403);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("role"));
    }
}
