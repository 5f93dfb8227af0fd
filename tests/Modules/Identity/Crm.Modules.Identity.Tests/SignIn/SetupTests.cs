using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Crm.Modules.Identity.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Identity.Tests.SignIn;

public sealed partial class SetupTests
{
    [Test]
    public async Task Without_a_configured_admin_the_log_gives_a_one_time_code_that_creates_the_first_admin_and_signs_them_in()
    {
        var logs = new CapturedLogs();
        await using var factory = Unconfigured(logs);
        using var client = factory.CreateAnonymousClient();
        var code = SetupCodeIn(logs);

        using var wrong = await client.PostAsJsonAsync(AuthCalls.Setup, Body(new string('0', 32)));
        await wrong.AssertUnauthorizedAsync();

        using var weak = await client.PostAsJsonAsync(AuthCalls.Setup, Body(code, password: "short"));
        var problem = await weak.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("errors").TryGetProperty("password", out _), Is.True);

        using var done = await client.PostAsJsonAsync(AuthCalls.Setup, Body(code));
        var tokens = await done.TokensAsync();
        using var admin = factory.CreateClientWithToken(tokens.Access());
        var me = await (await admin.GetAsync(AuthCalls.Me)).ReadJsonAsync();
        Assert.That(me.GetProperty("role").GetString(), Is.EqualTo("Admin"));
        Assert.That(me.GetProperty("email").GetString(), Is.EqualTo("first@crm.test"));

        using var again = await client.PostAsJsonAsync(AuthCalls.Setup, Body(code, email: "second@crm.test"));
        await again.ReadProblemAsync(404);
        Assert.That(await factory.UserCountAsync(), Is.EqualTo(1));
        Assert.That((await factory.AuditAsync("setup_completed")).Count(e => e.Succeeded), Is.EqualTo(1));
    }

    [Test]
    public async Task The_log_line_with_the_setup_code_names_no_person()
    {
        var logs = new CapturedLogs();
        await using var factory = Unconfigured(logs);
        using var client = factory.CreateAnonymousClient();

        var line = logs.Lines.Single(l => l.Contains("setup code", StringComparison.Ordinal));
        Assert.That(line, Does.Not.Contain("@"));
    }

    [Test]
    public async Task A_configured_admin_is_created_once_and_setup_stays_closed()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateAnonymousClient();

        using var setup = await client.PostAsJsonAsync(AuthCalls.Setup, Body(new string('0', 32)));

        await setup.ReadProblemAsync(404);
        Assert.That(await factory.UserCountAsync(), Is.EqualTo(1));
        Assert.That((await factory.UserAsync(CrmHostFactory.AdminEmail)).Role, Is.EqualTo("Admin"));
    }

    [Test]
    public async Task A_configured_admin_password_shorter_than_twelve_characters_stops_the_host_at_start()
    {
        await using var factory = new CrmHostFactory().WithSetting("Auth:BootstrapAdmin:Password", "elevenchars");

        var failure = Assert.Catch(() => factory.CreateAnonymousClient());

        Assert.That(failure!.ToString(), Does.Contain("at least 12"));
    }

    private static CrmHostFactory Unconfigured(CapturedLogs logs) => new CrmHostFactory()
        .WithSetting("Auth:BootstrapAdmin:Email", null)
        .WithSetting("Auth:BootstrapAdmin:Password", null)
        .WithTestServices(services => services.AddSingleton<ILoggerProvider>(logs));

    private static object Body(string code, string email = "first@crm.test", string password = "a-long-first-password") =>
        new { code, email, password, name = "First Admin" };

    private static string SetupCodeIn(CapturedLogs logs)
    {
        var match = logs.Lines.Select(l => SetupCode().Match(l)).FirstOrDefault(m => m.Success);
        Assert.That(match, Is.Not.Null, "the host logs a setup code when no admin is configured");
        return match!.Groups[1].Value;
    }

    [GeneratedRegex("setup code ([0-9a-f]{32})")]
    private static partial Regex SetupCode();
}
