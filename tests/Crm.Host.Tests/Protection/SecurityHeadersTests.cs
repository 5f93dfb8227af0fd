using System.Net;
using Carter;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Protection;

public sealed class SecurityHeadersTests
{
    [Test]
    public async Task Api_static_problem_and_health_answers_all_carry_the_security_headers()
    {
        await using var factory = new CrmHostFactory()
            .WithTestServices(services => services.AddSingleton<ICarterModule, ProbeEndpoints>());
        var webRoot = Directory.CreateDirectory(Path.Combine(factory.Folder, "wwwroot")).FullName;
        await File.WriteAllTextAsync(Path.Combine(webRoot, "index.html"), "<!doctype html><title>Crm</title><div id=root></div>");
        await File.WriteAllTextAsync(Path.Combine(webRoot, "app.js"), "console.log('crm');");
        factory.WithSetting("webroot", webRoot);
        using var client = factory.CreateClient();

        foreach (var path in new[] { "/api/v1/probe/ok", "/app.js", "/customers/42", "/api/v1/probe/not-found", "/api/v1/probe/throw", "/health/ready" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

            Assert.That(Header(response, "X-Content-Type-Options"), Is.EqualTo("nosniff"), path);
            Assert.That(Header(response, "X-Frame-Options"), Is.EqualTo("DENY"), path);
            Assert.That(Header(response, "Referrer-Policy"), Is.EqualTo("strict-origin-when-cross-origin"), path);
            Assert.That(Header(response, "Permissions-Policy"), Does.Contain("camera=()"), path);
            Assert.That(Header(response, "Cross-Origin-Opener-Policy"), Is.EqualTo("same-origin-allow-popups"), path);
            var policy = Header(response, "Content-Security-Policy");
            Assert.That(policy, Does.Contain("default-src 'self'").And.Contain("frame-ancestors 'none'").And.Contain("object-src 'none'"), path);
            Assert.That(ScriptSources(policy), Does.Not.Contain("'unsafe-inline'").And.Not.Contain("'unsafe-eval'"), path);
            Assert.That(response.Headers.Contains("Server"), Is.False, path);
        }

        using var problem = await client.GetAsync(new Uri("/api/v1/probe/throw", UriKind.Relative));
        await problem.ReadProblemAsync(500);
        Assert.That(problem.Headers.CacheControl?.NoStore, Is.True, "API answers are not cached");
    }

    [Test]
    public async Task The_app_policy_lets_google_sign_in_load_and_the_docs_page_gets_what_scalar_needs()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateClient();

        using var api = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        var app = Header(api, "Content-Security-Policy");
        Assert.That(ScriptSources(app), Does.Contain("https://accounts.google.com/gsi/client"));
        Assert.That(app, Does.Contain("frame-src https://accounts.google.com/gsi/"));

        using var docs = await client.GetAsync(new Uri("/docs/", UriKind.Relative));
        Assert.That(docs.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var page = await docs.Content.ReadAsStringAsync();
        Assert.That(page, Does.Contain("<script type=\"module\">"), "Scalar boots from an inline module script");
        var policy = Header(docs, "Content-Security-Policy");
        Assert.That(ScriptSources(policy), Does.Contain("'unsafe-inline'"));
        Assert.That(policy, Does.Contain("font-src 'self' data: https://fonts.scalar.com").And.Contain("frame-ancestors 'none'"));
        Assert.That(Header(docs, "X-Frame-Options"), Is.EqualTo("DENY"));
    }

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : "";

    private static string ScriptSources(string policy) =>
        policy.Split(';', StringSplitOptions.TrimEntries).FirstOrDefault(d => d.StartsWith("script-src ", StringComparison.Ordinal)) ?? "";
}
