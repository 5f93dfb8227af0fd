using System.Net;

namespace Crm.Host.Tests.Protection;

public sealed class CorsTests
{
    private const string Allowed = "https://app.example.com";

    [Test]
    public async Task A_preflight_from_a_configured_origin_is_allowed_and_one_from_another_origin_is_not()
    {
        await using var factory = new CrmHostFactory().WithSetting("Cors:AllowedOrigins:0", Allowed);
        using var client = factory.CreateClient();

        using var allowed = await client.SendAsync(Preflight(Allowed));
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(SecurityHeadersTests.Header(allowed, "Access-Control-Allow-Origin"), Is.EqualTo(Allowed));
        Assert.That(SecurityHeadersTests.Header(allowed, "Access-Control-Allow-Methods"), Does.Contain("POST"));
        Assert.That(SecurityHeadersTests.Header(allowed, "Access-Control-Allow-Headers"), Does.Contain("authorization").IgnoreCase);
        Assert.That(SecurityHeadersTests.Header(allowed, "Access-Control-Allow-Credentials"), Is.Empty, "no credentials unless configured");

        foreach (var other in new[] { "https://evil.example.com", "https://app.example.com.evil.test", "http://app.example.com" })
        {
            using var refused = await client.SendAsync(Preflight(other));
            Assert.That(SecurityHeadersTests.Header(refused, "Access-Control-Allow-Origin"), Is.Empty, other);
        }
    }

    [Test]
    public async Task Without_configured_origins_no_cross_origin_call_is_allowed()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateClient();

        using var preflight = await client.SendAsync(Preflight(Allowed));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/health/live", UriKind.Relative));
        request.Headers.Add("Origin", Allowed);
        using var simple = await client.SendAsync(request);

        Assert.That(SecurityHeadersTests.Header(preflight, "Access-Control-Allow-Origin"), Is.Empty);
        Assert.That(SecurityHeadersTests.Header(simple, "Access-Control-Allow-Origin"), Is.Empty);
    }

    [Test]
    public async Task Credentials_are_allowed_only_when_configured()
    {
        await using var factory = new CrmHostFactory()
            .WithSetting("Cors:AllowedOrigins:0", Allowed)
            .WithSetting("Cors:AllowCredentials", "true");
        using var client = factory.CreateClient();

        using var preflight = await client.SendAsync(Preflight(Allowed));

        Assert.That(SecurityHeadersTests.Header(preflight, "Access-Control-Allow-Credentials"), Is.EqualTo("true"));
        Assert.That(SecurityHeadersTests.Header(preflight, "Access-Control-Allow-Origin"), Is.EqualTo(Allowed));
    }

    [TestCase("*")]
    [TestCase("https://*.example.com")]
    [TestCase("https://app.example.com/path")]
    public async Task An_origin_that_is_not_exact_stops_start_up_naming_the_setting(string origin)
    {
        await using var factory = new CrmHostFactory().WithSetting("Cors:AllowedOrigins:0", origin);

        var failure = Assert.Catch(() => factory.CreateClient());

        Assert.That(failure?.ToString(), Does.Contain("Cors:AllowedOrigins"));
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, new Uri("/api/v1/customers", UriKind.Relative));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }
}
