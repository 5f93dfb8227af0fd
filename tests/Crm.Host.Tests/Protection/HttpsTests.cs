using System.Net;
using Crm.Host.Tests.RateLimiting;

namespace Crm.Host.Tests.Protection;

public sealed class HttpsTests
{
    private static readonly Uri Https = new("https://crm.example.test/");
    private static readonly Uri Http = new("http://crm.example.test/");

    [Test]
    public async Task Development_neither_redirects_nor_sends_hsts()
    {
        await using var factory = new CrmHostFactory();
        using var client = PlainClient(factory);

        using var plain = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var secure = await client.GetAsync(new Uri(Https, "/health/live"));

        Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(secure.Headers.Contains("Strict-Transport-Security"), Is.False);
    }

    [Test]
    public async Task Production_redirects_http_to_https_and_sends_hsts_over_https()
    {
        await using var factory = Production();
        using var client = PlainClient(factory);

        using var plain = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var secure = await client.GetAsync(new Uri(Https, "/health/live"));

        Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.TemporaryRedirect));
        Assert.That(plain.Headers.Location, Is.EqualTo(new Uri(Https, "/health/live")));
        Assert.That(secure.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(SecurityHeadersTests.Header(secure, "Strict-Transport-Security"), Does.StartWith("max-age=31536000"));
    }

    [Test]
    public async Task Behind_a_tls_terminating_proxy_redirection_and_hsts_can_be_switched_off()
    {
        await using var factory = Production().WithSetting("Https:Redirect", "false").WithSetting("Https:Hsts", "false");
        using var client = PlainClient(factory);

        using var plain = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var secure = await client.GetAsync(new Uri(Https, "/health/live"));

        Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(secure.Headers.Contains("Strict-Transport-Security"), Is.False);
    }

    [Test]
    public async Task Forwarded_headers_from_a_known_proxy_set_the_scheme_and_the_client_address_and_others_are_ignored()
    {
        await using var factory = Production().WithRateLimitProbes()
            .WithSetting("ForwardedHeaders:Enabled", "true")
            .WithSetting("ForwardedHeaders:KnownProxies:0", "10.0.0.5")
            .WithSetting("RateLimiting:Global:PermitLimit", "1");
        using var client = PlainClient(factory);

        // The proxy terminated TLS: the call is https to the host, so no redirect, and HSTS is sent.
        using var first = await client.SendAsync(Forwarded("10.0.0.5", "203.0.113.1"));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(SecurityHeadersTests.Header(first, "Strict-Transport-Security"), Is.Not.Empty);

        // The limit is per forwarded client, not per proxy.
        using var sameClient = await client.SendAsync(Forwarded("10.0.0.5", "203.0.113.1"));
        Assert.That((int)sameClient.StatusCode, Is.EqualTo(429));
        using var otherClient = await client.SendAsync(Forwarded("10.0.0.5", "203.0.113.2"));
        Assert.That(otherClient.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        // Headers from a peer that is not a known proxy are not believed: still plain http, so redirected.
        using var spoofed = await client.SendAsync(Forwarded("192.0.2.99", "203.0.113.3"));
        Assert.That(spoofed.StatusCode, Is.EqualTo(HttpStatusCode.TemporaryRedirect));
    }

    /// <summary>
    /// Straight over the test server, which follows no redirects, without signing in: a signed-in client would sign in
    /// over plain http first, which Production redirects.
    /// </summary>
    private static HttpClient PlainClient(CrmHostFactory factory)
    {
        var client = factory.Server.CreateClient();
        client.BaseAddress = Http;
        return client;
    }

    private static CrmHostFactory Production() =>
        new CrmHostFactory().WithSetting("environment", "Production").WithSetting("Https:Port", "443");

    private static HttpRequestMessage Forwarded(string peer, string client)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/rate-probe/plain", UriKind.Relative));
        request.Headers.Add(ClientAddressStartupFilter.Header, peer);
        request.Headers.Add("X-Forwarded-For", client);
        request.Headers.Add("X-Forwarded-Proto", "https");
        return request;
    }
}
