using System.Diagnostics;
using Crm.Host.Composition;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Crm.Host.RateLimiting;

/// <summary>
/// Fixed-window counts kept in Redis, so every host instance draws on the same limit. When Redis fails the caller gets
/// no answer and counts in-process; Redis is then left alone for <see cref="RateLimitSettings.RedisRetryInterval"/>,
/// so a dead Redis costs one failed command per interval rather than one per call.
/// </summary>
internal sealed partial class SharedRateLimitCounter(
    RedisConnection connection,
    IOptions<RateLimitSettings> settings,
    TimeProvider time,
    ILogger<SharedRateLimitCounter> logger)
{
    // One round trip, atomic: a call over the limit is refused without being counted, so a flood does not keep
    // pushing the window's end away; the window starts with its first call and Redis expires it.
    private const string Script = """
        local limit = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local permits = tonumber(ARGV[3])
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if current + permits > limit then
          local ttl = redis.call('PTTL', KEYS[1])
          if ttl < 0 then
            redis.call('PEXPIRE', KEYS[1], window)
            ttl = window
          end
          return {0, ttl}
        end
        local count = redis.call('INCRBY', KEYS[1], permits)
        if count == permits then
          redis.call('PEXPIRE', KEYS[1], window)
        end
        return {1, redis.call('PTTL', KEYS[1])}
        """;

    private readonly RateLimitSettings _settings = settings.Value;
    private long _retryRedisAtTicks;
    private int _local;

    /// <summary>True while calls are counted in-process because Redis failed.</summary>
    public bool IsLocal => Volatile.Read(ref _local) == 1;

    /// <summary>The shared decision for <paramref name="permits"/> more calls under <paramref name="key"/>, or null when Redis cannot give one.</summary>
    public async ValueTask<SharedDecision?> TryAcquireAsync(string key, int permits, WindowLimit limit, CancellationToken cancellationToken)
    {
        if (IsLocal && time.GetUtcNow().UtcTicks < Volatile.Read(ref _retryRedisAtTicks))
        {
            return null;
        }

        using var activity = RateLimitingTelemetry.StartSharedCount();
        try
        {
            var multiplexer = await connection.GetAsync().WaitAsync(_settings.RedisTimeout, time, cancellationToken).ConfigureAwait(false);
            var result = await multiplexer.GetDatabase()
                .ScriptEvaluateAsync(
                    Script,
                    [new RedisKey(_settings.RedisKeyPrefix + key)],
                    [limit.PermitLimit, (long)limit.Window.TotalMilliseconds, permits])
                .WaitAsync(_settings.RedisTimeout, time, cancellationToken)
                .ConfigureAwait(false);
            var values = (long[])result!;
            activity?.SetTag("crm.rate_limiting.acquired", values[0] == 1);
            Reached();
            return new SharedDecision(values[0] == 1, TimeSpan.FromMilliseconds(Math.Max(values[1], 0)));
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            Failed(exception);
            return null;
        }
    }

    /// <summary>Pings Redis for the health check; a success ends local counting at once rather than at the next retry.</summary>
    public async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await connection.GetAsync().WaitAsync(_settings.RedisTimeout, time, cancellationToken).ConfigureAwait(false);
            await multiplexer.GetDatabase().PingAsync().WaitAsync(_settings.RedisTimeout, time, cancellationToken).ConfigureAwait(false);
            Reached();
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Failed(exception);
            return false;
        }
    }

    private void Reached()
    {
        if (Interlocked.Exchange(ref _local, 0) == 1)
        {
            LogShared(logger);
        }
    }

    private void Failed(Exception exception)
    {
        Volatile.Write(ref _retryRedisAtTicks, (time.GetUtcNow() + _settings.RedisRetryInterval).UtcTicks);
        if (Interlocked.Exchange(ref _local, 1) == 0)
        {
            LogLocal(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is not reachable: rate limits are counted by this host alone until it answers again")]
    private static partial void LogLocal(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis answers again: rate limits are shared across hosts")]
    private static partial void LogShared(ILogger logger);
}

internal readonly record struct SharedDecision(bool Acquired, TimeSpan RetryAfter);
