using System.Diagnostics.Metrics;
using System.Net;
using Crm.Host.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.RateLimiting;

/// <summary>Rate limits of one host without Redis: counted in-process.</summary>
public sealed class LocalRateLimitTests
{
    private const string Plain = "/api/v1/rate-probe/plain";

    [Test]
    public async Task The_call_after_the_global_limit_is_a_429_problem_with_retry_after_while_others_and_health_still_pass()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:Global:PermitLimit", "3")
            .WithSetting("RateLimiting:Global:Window", "00:05:00");
        using var client = factory.CreateAnonymousClient();

        for (var call = 1; call <= 3; call++)
        {
            using var allowed = await client.SendFromAsync(HttpMethod.Get, Plain, "198.51.100.1");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"call {call}");
        }

        using var refused = await client.SendFromAsync(HttpMethod.Get, Plain, "198.51.100.1");
        var problem = await refused.ReadProblemAsync(429);
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("rate_limit.exceeded"));
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(5)));

        // Another client address has its own count; routes outside the API are not counted at all.
        using var other = await client.SendFromAsync(HttpMethod.Get, Plain, "198.51.100.2");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        using var health = await client.SendFromAsync(HttpMethod.Get, "/health/live", "198.51.100.1");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Sign_in_is_limited_per_client_address_apart_from_the_global_limit()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:SignIn:PermitLimit", "2")
            .WithSetting("RateLimiting:Global:PermitLimit", "100");
        using var client = factory.CreateAnonymousClient();
        const string signIn = "/api/v1/rate-probe/sign-in";

        for (var call = 1; call <= 2; call++)
        {
            using var allowed = await client.SendFromAsync(HttpMethod.Post, signIn, "203.0.113.7");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"call {call}");
        }

        using var refused = await client.SendFromAsync(HttpMethod.Post, signIn, "203.0.113.7");
        await refused.ReadProblemAsync(429);
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));

        using var elsewhere = await client.SendFromAsync(HttpMethod.Post, signIn, "203.0.113.8");
        Assert.That(elsewhere.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "another address signs in");
        using var sameAddressOtherRoute = await client.SendFromAsync(HttpMethod.Get, Plain, "203.0.113.7");
        Assert.That(sameAddressOtherRoute.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "only sign-in is refused");
    }

    [Test]
    public async Task Ipv6_callers_are_counted_by_their_slash_64_so_a_fresh_address_is_no_fresh_limit()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:SignIn:PermitLimit", "2");
        using var client = factory.CreateAnonymousClient();
        const string signIn = "/api/v1/rate-probe/sign-in";

        (await client.SendFromAsync(HttpMethod.Post, signIn, "2001:db8:1:2::1")).Dispose();
        (await client.SendFromAsync(HttpMethod.Post, signIn, "2001:db8:1:2:ffff::9")).Dispose();
        using var refused = await client.SendFromAsync(HttpMethod.Post, signIn, "2001:db8:1:2:abcd::7");
        await refused.ReadProblemAsync(429);

        using var otherNetwork = await client.SendFromAsync(HttpMethod.Post, signIn, "2001:db8:1:3::1");
        Assert.That(otherNetwork.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
    }

    [Test]
    public async Task A_group_with_its_own_limit_is_counted_apart_from_the_rest_of_the_api()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:Groups:rate-probe:PermitLimit", "1")
            .WithSetting("RateLimiting:Global:PermitLimit", "100");
        using var client = factory.CreateAnonymousClient();

        using (var first = await client.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.10"))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using var refused = await client.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.10");
        await refused.ReadProblemAsync(429);

        using var otherGroup = await client.SendFromAsync(HttpMethod.Get, "/api/v1/customers/no-such-customer", "192.0.2.10");
        Assert.That((int)otherGroup.StatusCode, Is.Not.EqualTo(429), "the customers group still has the global limit");
    }

    [Test]
    public async Task Rejections_are_counted_by_policy_in_the_rate_limiting_meter()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:Bulk:PermitLimit", "1")
            .WithSetting("RateLimiting:Global:PermitLimit", "2");
        using var client = factory.CreateAnonymousClient();
        var meters = factory.Services.GetRequiredService<IMeterFactory>();
        var rejected = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RateLimitingTelemetry.Name && instrument.Meter.Scope == meters && instrument.Name == "crm.rate_limiting.rejected")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "policy")
                {
                    lock (rejected)
                    {
                        rejected[(string)tag.Value!] = rejected.GetValueOrDefault((string)tag.Value!) + value;
                    }
                }
            }
        });
        listener.Start();

        (await client.SendFromAsync(HttpMethod.Post, "/api/v1/rate-probe/bulk", "192.0.2.20")).Dispose();
        using (var bulkRefused = await client.SendFromAsync(HttpMethod.Post, "/api/v1/rate-probe/bulk", "192.0.2.20"))
        {
            Assert.That((int)bulkRefused.StatusCode, Is.EqualTo(429));
        }

        // Two calls have used this address's global limit; the next is refused by it.
        using (var globalRefused = await client.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.20"))
        {
            Assert.That((int)globalRefused.StatusCode, Is.EqualTo(429));
        }

        lock (rejected)
        {
            Assert.That(rejected, Is.EquivalentTo(new Dictionary<string, long> { ["bulk"] = 1, ["global"] = 1 }));
        }
    }

    [Test]
    public async Task With_rate_limiting_switched_off_nothing_is_refused()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:Enabled", "false")
            .WithSetting("RateLimiting:Global:PermitLimit", "1")
            .WithSetting("RateLimiting:SignIn:PermitLimit", "1");
        using var client = factory.CreateAnonymousClient();

        for (var call = 1; call <= 3; call++)
        {
            using var response = await client.SendFromAsync(HttpMethod.Post, "/api/v1/rate-probe/sign-in", "192.0.2.30");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"call {call}");
        }
    }

    [Test]
    public async Task A_signed_in_caller_is_counted_as_one_from_any_address_and_apart_from_other_callers()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:Global:PermitLimit", "2")
            .WithSetting("RateLimiting:SignIn:PermitLimit", "100");
        using var admin = factory.CreateClient();
        using var analyst = await factory.CreateClientAsAsync(Crm.SharedKernel.Security.Roles.Analyst);

        using (var first = await admin.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.40"))
        using (var second = await admin.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.41"))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using var refused = await admin.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.42");
        await refused.ReadProblemAsync(429);
        using var other = await analyst.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.40");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "another user has a count of their own");
    }

    [Test]
    public async Task An_api_key_is_counted_as_a_caller_of_its_own_apart_from_the_admin_who_made_it()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:Global:PermitLimit", "3");
        using var admin = factory.CreateClient();
        using var made = await admin.PostAsync(
            new Uri("/api/v1/apikeys", UriKind.Relative),
            System.Net.Http.Json.JsonContent.Create(new { name = "rate limits", permissions = new[] { "customers:read" } }));
        Assert.That(made.StatusCode, Is.EqualTo(HttpStatusCode.Created), await made.Content.ReadAsStringAsync());
        var key = (await made.ReadJsonAsync()).GetProperty("key").GetString()!;
        using var server = factory.CreateAnonymousClient();
        server.DefaultRequestHeaders.Add(Crm.SharedKernel.Security.CrmAuthenticationSchemes.ApiKeyHeader, key);

        for (var call = 1; call <= 2; call++)
        {
            using var allowed = await admin.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.60");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"admin call {call}");
        }

        using (var adminRefused = await admin.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.60"))
        {
            await adminRefused.ReadProblemAsync(429);
        }

        for (var call = 1; call <= 3; call++)
        {
            using var allowed = await server.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.60");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"key call {call}");
        }

        using var keyRefused = await server.SendFromAsync(HttpMethod.Get, Plain, "192.0.2.60");
        await keyRefused.ReadProblemAsync(429);
    }

    [Test]
    public async Task An_anonymous_flood_of_a_protected_endpoint_is_limited_per_address_before_it_is_refused_with_401()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:Global:PermitLimit", "2");
        using var client = factory.CreateAnonymousClient();

        for (var call = 1; call <= 2; call++)
        {
            using var unauthorized = await client.SendFromAsync(HttpMethod.Get, "/api/v1/customers", "192.0.2.50");
            await unauthorized.ReadProblemAsync(401);
        }

        using var refused = await client.SendFromAsync(HttpMethod.Get, "/api/v1/customers", "192.0.2.50");
        await refused.ReadProblemAsync(429);
    }

    [Test]
    public async Task Sign_in_with_wrong_passwords_is_refused_with_429_once_the_address_used_its_attempts()
    {
        await using var factory = new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("RateLimiting:SignIn:PermitLimit", "3");
        using var client = factory.CreateAnonymousClient();

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            using var wrong = await LogInFromAsync(client, "203.0.113.20", "wrong-password");
            Assert.That((int)wrong.StatusCode, Is.InRange(400, 401), $"attempt {attempt}");
        }

        using var refused = await LogInFromAsync(client, "203.0.113.20", factory.AdminPassword);
        await refused.ReadProblemAsync(429);
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));

        using var elsewhere = await LogInFromAsync(client, "203.0.113.21", factory.AdminPassword);
        Assert.That(elsewhere.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the right password from another address signs in");
    }

    private static async Task<HttpResponseMessage> LogInFromAsync(HttpClient client, string address, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/auth/login", UriKind.Relative))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { email = CrmHostFactory.AdminEmail, password }),
        };
        request.Headers.Add(ClientAddressStartupFilter.Header, address);
        return await client.SendAsync(request);
    }

    [Test]
    public async Task Ready_reports_rate_limits_healthy_and_per_instance_without_redis()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateAnonymousClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var entry = RateLimitHealth.Entry(await response.ReadJsonAsync());
        Assert.That(entry.Status, Is.EqualTo("Healthy"));
        Assert.That(entry.Description, Does.Contain("each host instance"));
    }

    [Test]
    public async Task An_impossible_limit_stops_start_up_naming_its_key()
    {
        await using var factory = new CrmHostFactory().WithSetting("RateLimiting:SignIn:PermitLimit", "0");

        var failure = Assert.Catch(() => factory.CreateClient());

        Assert.That(failure?.ToString(), Does.Contain("RateLimiting:SignIn:PermitLimit"));
    }
}

internal static class RateLimitHealth
{
    public static (string Status, string Description) Entry(System.Text.Json.JsonElement body)
    {
        var entry = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "rate-limits");
        return (entry.GetProperty("status").GetString()!, entry.GetProperty("description").GetString()!);
    }
}
