using System.Net;
using StackExchange.Redis;

namespace Crm.Host.Tests.RateLimiting;

/// <summary>
/// Two host instances sharing one real redis-server. Anonymous callers (counted per address) need nothing else shared,
/// so those hosts run over separate SQLite files; a signed-in caller is the same user on both hosts only when they
/// share the user store and the signing key, as real instances do, so that test runs both over one file.
/// </summary>
public sealed class SharedRateLimitTests
{
    private const string Plain = "/api/v1/rate-probe/plain";
    private const string Caller = "198.51.100.50";
    private const int Limit = 5;

    [Test]
    public async Task Calls_spread_over_two_hosts_draw_on_one_limit_and_the_call_after_it_is_refused_on_either()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = SharedHost(redis);
        await using var second = SharedHost(redis);
        using var one = first.CreateAnonymousClient();
        using var two = second.CreateAnonymousClient();

        for (var call = 1; call <= Limit; call++)
        {
            var client = call % 2 == 0 ? two : one;
            using var allowed = await client.SendFromAsync(HttpMethod.Get, Plain, Caller);
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"call {call}");
        }

        using var refused = await one.SendFromAsync(HttpMethod.Get, Plain, Caller);
        await refused.ReadProblemAsync(429);
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(10)));
        using var refusedToo = await two.SendFromAsync(HttpMethod.Get, Plain, Caller);
        await refusedToo.ReadProblemAsync(429);

        using var ready = await two.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var entry = RateLimitHealth.Entry(await ready.ReadJsonAsync());
        Assert.That(entry.Status, Is.EqualTo("Healthy"));
        Assert.That(entry.Description, Does.Contain("shared"));

        // The count is one key in redis-server itself, named by policy and a digest: no address in Redis.
        await using var direct = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var keys = direct.GetServer(direct.GetEndPoints().Single()).Keys(pattern: "crm:rate-limits:*").Select(k => k.ToString()).ToList();
        Assert.That(keys, Has.Count.EqualTo(1));
        Assert.That(keys[0], Does.StartWith("crm:rate-limits:global:").And.Not.Contain(Caller));
        Assert.That((long)await direct.GetDatabase().StringGetAsync(keys[0]), Is.EqualTo(Limit), "refused calls are not counted");
    }

    [Test]
    public async Task A_signed_in_user_calling_both_hosts_of_one_installation_draws_on_one_limit()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = SharedHost(redis);
        using var one = first.CreateClient();
        await using var second = SharedHost(redis)
            .WithSetting("Storage:Path", Path.Combine(first.Folder, "crm.db"))
            .WithSetting("Auth:Jwt:SigningKey", first.SigningKeyPem)
            .WithSetting("Auth:BootstrapAdmin:Password", first.AdminPassword);
        using var two = second.CreateClientWithToken(await first.AdminTokenAsync());

        for (var call = 1; call <= Limit; call++)
        {
            var client = call % 2 == 0 ? two : one;
            using var allowed = await client.SendFromAsync(HttpMethod.Get, Plain, $"198.51.100.{call}");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"call {call}");
        }

        using var refused = await two.SendFromAsync(HttpMethod.Get, Plain, "198.51.100.99");
        await refused.ReadProblemAsync(429);
        using var anonymous = first.CreateAnonymousClient();
        using var someoneElse = await anonymous.SendFromAsync(HttpMethod.Get, Plain, "198.51.100.99");
        Assert.That(someoneElse.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "an anonymous caller at the same address is counted apart");
    }

    [Test]
    public async Task With_redis_stopped_each_host_keeps_serving_under_its_own_limit_and_health_says_degraded()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = SharedHost(redis);
        await using var second = SharedHost(redis);
        using var one = first.CreateAnonymousClient();
        using var two = second.CreateAnonymousClient();
        using (var before = await one.SendFromAsync(HttpMethod.Get, Plain, Caller))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        await redis.KillAsync();

        foreach (var (client, name) in new[] { (one, "first"), (two, "second") })
        {
            for (var call = 1; call <= Limit; call++)
            {
                using var allowed = await client.SendFromAsync(HttpMethod.Get, Plain, Caller);
                Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), $"{name} host, call {call}");
            }

            using var refused = await client.SendFromAsync(HttpMethod.Get, Plain, Caller);
            await refused.ReadProblemAsync(429);
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero), $"{name} host");
        }

        using var ready = await one.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await ready.Content.ReadAsStringAsync();
        var entry = RateLimitHealth.Entry(await ready.ReadJsonAsync());
        Assert.That(entry.Status, Is.EqualTo("Degraded"), body);
        Assert.That(entry.Description, Does.Contain("Redis is not reachable"));
        Assert.That(body, Does.Not.Contain("Exception").And.Not.Contain(redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            "no exception text or address in the unauthenticated answer");
    }

    private static CrmHostFactory SharedHost(RedisServer redis) =>
        new CrmHostFactory().WithRateLimitProbes()
            .WithSetting("ConnectionStrings:Redis", redis.ConnectionString)
            .WithSetting("RateLimiting:Global:PermitLimit", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithSetting("RateLimiting:Global:Window", "00:10:00");
}
