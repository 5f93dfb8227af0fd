using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace Crm.Host.Composition;

internal static class CachingExtensions
{
    /// <summary>
    /// HybridCache in memory; with ConnectionStrings:Redis, Redis becomes its distributed layer. One connection
    /// is shared by the cache and the readiness check.
    /// </summary>
    public static IServiceCollection AddCrmCaching(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHybridCache();

        var redis = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redis))
        {
            return services;
        }

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(redis);
        }
        catch (ArgumentException exception)
        {
            // A typo cannot be fixed by waiting, unlike a server that is down: say so at start-up, without the
            // string itself (it may hold a password).
            throw new InvalidOperationException($"ConnectionStrings:Redis is not a valid Redis configuration: {exception.Message}", exception);
        }

        services.AddSingleton(new RedisConnection(options));
        services.AddStackExchangeRedisCache(_ => { });
        services.AddOptions<RedisCacheOptions>()
            .Configure<RedisConnection>((options, connection) => options.ConnectionMultiplexerFactory = connection.GetAsync);
        return services;
    }
}

/// <summary>
/// The process's Redis connection, opened on first use. It never fails start-up: with Redis down the host still
/// serves (the cache falls back to memory) and the readiness check reports it.
/// </summary>
internal sealed class RedisConnection(ConfigurationOptions options) : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection = new(() => ConnectAsync(options));

    public Task<IConnectionMultiplexer> GetAsync() => _connection.Value;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var multiplexer = await _connection.Value.ConfigureAwait(false);
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<IConnectionMultiplexer> ConnectAsync(ConfigurationOptions options)
    {
        options.AbortOnConnectFail = false;

        // Fail commands at once while disconnected instead of queueing them: a cache miss is cheaper than a wait.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }
}
