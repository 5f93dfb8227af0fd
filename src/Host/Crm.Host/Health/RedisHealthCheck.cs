using Crm.Host.Composition;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Crm.Host.Health;

/// <summary>Ready when the shared Redis connection is up and answers PING.</summary>
internal sealed class RedisHealthCheck(RedisConnection connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var multiplexer = await connection.GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!multiplexer.IsConnected)
            {
                return HealthCheckResult.Unhealthy("Redis is not connected.");
            }

            var latency = await multiplexer.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.0} ms.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Redis is not answering.", exception);
        }
    }
}
