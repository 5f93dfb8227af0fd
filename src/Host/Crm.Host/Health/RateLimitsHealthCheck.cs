using Crm.Host.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Crm.Host.Health;

/// <summary>
/// Whether rate limits are shared across host instances. Losing Redis weakens the limits (each host counts alone)
/// but stops nothing, so the worst this says is Degraded; the reason is ours, never an exception's text.
/// </summary>
internal sealed class RateLimitsHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<SharedRateLimitCounter>() is not { } shared)
        {
            return HealthCheckResult.Healthy("Rate limits are counted by each host instance; no Redis is configured to share them.");
        }

        return await shared.ProbeAsync(cancellationToken).ConfigureAwait(false)
            ? HealthCheckResult.Healthy("Rate limits are shared across host instances through Redis.")
            : HealthCheckResult.Degraded("Redis is not reachable: rate limits are counted by each host instance alone until it answers again.");
    }
}
