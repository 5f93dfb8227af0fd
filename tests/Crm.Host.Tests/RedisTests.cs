using System.Net;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Crm.Host.Tests;

public sealed class RedisTests
{
    [Test]
    public async Task Ready_lists_redis_while_it_runs_and_answers_503_once_it_is_killed()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var factory = new CrmHostFactory().WithSetting("ConnectionStrings:Redis", redis.ConnectionString);
        using var client = factory.CreateClient();

        using (var up = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.That(up.StatusCode, Is.EqualTo(HttpStatusCode.OK), await up.Content.ReadAsStringAsync());
            var checks = HealthTests.ChecksByName(await up.ReadJsonAsync());
            Assert.That(checks["redis"], Is.EqualTo("Healthy"));
            Assert.That(checks["store"], Is.EqualTo("Healthy"));
        }

        await redis.KillAsync();

        using var down = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.That(down.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await down.Content.ReadAsStringAsync());
        Assert.That(HealthTests.ChecksByName(await down.ReadJsonAsync())["redis"], Is.EqualTo("Unhealthy"));
    }

    [Test]
    public async Task A_malformed_redis_connection_string_stops_start_up_naming_the_setting()
    {
        await using var factory = new CrmHostFactory().WithSetting("ConnectionStrings:Redis", "127.0.0.1:6379,sll=true");

        var failure = Assert.Catch(() => factory.CreateClient());

        Assert.That(failure?.ToString(), Does.Contain("ConnectionStrings:Redis"));
    }

    [Test]
    public async Task With_redis_configured_the_distributed_cache_layer_writes_to_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var factory = new CrmHostFactory().WithSetting("ConnectionStrings:Redis", redis.ConnectionString);
        using var client = factory.CreateClient();

        var cache = factory.Services.GetRequiredService<IDistributedCache>();
        Assert.That(cache, Is.InstanceOf<RedisCache>());
        await cache.SetStringAsync("crm-host-test", "stored");

        await using var direct = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.That(await direct.GetDatabase().KeyExistsAsync("crm-host-test"), Is.True, "the entry is in redis-server itself");
    }
}
