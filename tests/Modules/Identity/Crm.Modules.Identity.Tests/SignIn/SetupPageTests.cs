using System.Net;
using System.Text.RegularExpressions;
using Crm.Modules.Identity.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Identity.Tests.SignIn;

/// <summary>GET /api/v1/auth/setup: the page that creates the first admin in a browser.</summary>
public sealed partial class SetupPageTests
{
    private static readonly Uri Script = new("/api/v1/auth/setup/setup.js", UriKind.Relative);

    [Test]
    public async Task While_no_user_exists_the_setup_page_is_a_form_that_loads_only_its_own_script()
    {
        await using var factory = Unconfigured(new CapturedLogs());
        using var client = factory.CreateAnonymousClient();

        using var page = await client.GetAsync(AuthCalls.Setup);

        var html = await page.Content.ReadAsStringAsync();
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), html);
        Assert.That(page.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/html; charset=utf-8"));
        Assert.That(html, Does.Contain("<form"));
        Assert.That(html, Does.Match("<label for=\"code\">"));
        Assert.That(html, Does.Match("id=\"email\"[^>]*autocomplete=\"username\""));
        Assert.That(html, Does.Match("id=\"password\"[^>]*minlength=\"12\"[^>]*autocomplete=\"new-password\""));
        Assert.That(ScriptSources().Matches(html).Select(m => m.Groups[1].Value), Is.EqualTo(new[] { Script.ToString() }));
        Assert.That(InlineScript().IsMatch(html), Is.False, "the content policy blocks inline scripts");
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"), "no external assets");
    }

    [Test]
    public async Task The_setup_page_script_is_served_as_cacheable_javascript()
    {
        await using var factory = Unconfigured(new CapturedLogs());
        using var client = factory.CreateAnonymousClient();

        using var script = await client.GetAsync(Script);

        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(script.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
        Assert.That(script.Headers.CacheControl?.Public, Is.True);
        Assert.That(await script.Content.ReadAsStringAsync(), Does.Contain("/api/v1/auth/setup").Or.Contain("form.action"));
    }

    [Test]
    public async Task Once_a_user_exists_the_setup_page_is_not_found()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateAnonymousClient();

        using var page = await client.GetAsync(AuthCalls.Setup);

        await page.ReadProblemAsync(404);
    }

    [Test]
    public async Task The_log_names_the_setup_link_with_the_code_in_its_fragment()
    {
        var logs = new CapturedLogs();
        await using var factory = Unconfigured(logs);
        using var client = factory.CreateAnonymousClient();

        var line = logs.Lines.Single(l => l.Contains("setup code", StringComparison.Ordinal));

        Assert.That(line, Does.Match("setup code ([0-9a-f]{32}), or open /api/v1/auth/setup#code=\\1 on this host"));
    }

    [Test]
    public async Task In_chromium_the_setup_page_creates_the_first_admin_who_can_then_sign_in_and_the_page_is_gone()
    {
        var logs = new CapturedLogs();
        await using var factory = Unconfigured(logs);
        var address = factory.ServeOnLoopback();
        var link = SetupLink().Match(string.Join('\n', logs.Lines));
        Assert.That(link.Success, Is.True, "the log gives the setup link");

        await using (var page = await HeadlessChromium.OpenAsync(new Uri(address, link.Value)))
        {
            await page.WaitForAsync("document.getElementById('code').value.length === 32");
            Assert.That((await page.EvaluateAsync("location.hash")).GetValue<string>(), Is.Empty, "the code is taken off the address bar");
            await page.TypeAsync("#name", "First Admin");
            await page.TypeAsync("#email", "first@crm.test");
            await page.TypeAsync("#password", "a-long-first-password");
            await page.ClickAsync("button[type=submit]");

            await page.WaitForAsync("document.getElementById('outcome').className === 'done'");
            Assert.That(await page.TextAsync("#outcome"), Does.Contain("The first admin is created; you can sign in"));
            Assert.That((await page.EvaluateAsync("localStorage.length + sessionStorage.length")).GetValue<int>(), Is.Zero, "no tokens kept");
            Assert.That(page.Console, Has.None.Contains("Content Security Policy"), string.Join('\n', page.Console));
        }

        using var client = factory.CreateAnonymousClient();
        using var signIn = await client.LogInAsync("first@crm.test", "a-long-first-password");
        var tokens = await signIn.TokensAsync();
        Assert.That(tokens.Access(), Is.Not.Empty);
        using var gone = await client.GetAsync(AuthCalls.Setup);
        await gone.ReadProblemAsync(404);
    }

    [Test]
    public async Task In_chromium_a_wrong_code_shows_the_problem_on_the_page_and_creates_nobody()
    {
        await using var factory = Unconfigured(new CapturedLogs());
        var address = factory.ServeOnLoopback();

        await using var page = await HeadlessChromium.OpenAsync(new Uri(address, "/api/v1/auth/setup#code=" + new string('0', 32)));
        await page.TypeAsync("#email", "first@crm.test");
        await page.TypeAsync("#password", "a-long-first-password");
        await page.ClickAsync("button[type=submit]");

        await page.WaitForAsync("document.getElementById('outcome').className === 'failed'");
        Assert.That(await page.TextAsync("#outcome"), Does.Contain("setup code is not right"));
        Assert.That(await factory.UserCountAsync(), Is.Zero);
    }

    private static CrmHostFactory Unconfigured(CapturedLogs logs) => new CrmHostFactory()
        .WithSetting("Auth:BootstrapAdmin:Email", null)
        .WithSetting("Auth:BootstrapAdmin:Password", null)
        .WithTestServices(services => services.AddSingleton<ILoggerProvider>(logs));

    [GeneratedRegex("<script[^>]*src=\"([^\"]+)\"")]
    private static partial Regex ScriptSources();

    [GeneratedRegex("<script(?![^>]*src=)[^>]*>")]
    private static partial Regex InlineScript();

    [GeneratedRegex("/api/v1/auth/setup#code=[0-9a-f]{32}")]
    private static partial Regex SetupLink();
}
