using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.Host.RateLimiting;

/// <summary>
/// The "Crm.RateLimiting" meter (calls turned away, and decisions taken in-process because Redis was not there) and
/// activity source (a span per shared count, the one network hop the limiter adds to a call).
/// </summary>
internal sealed class RateLimitingTelemetry
{
    public const string Name = "Crm.RateLimiting";

    private static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> _rejected;
    private readonly Counter<long> _local;

    public RateLimitingTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _rejected = meter.CreateCounter<long>("crm.rate_limiting.rejected", "{request}", "Calls answered 429 by a rate limit, by policy.");
        _local = meter.CreateCounter<long>(
            "crm.rate_limiting.local_decisions", "{request}", "Calls counted by this host alone because Redis was not reachable.");
    }

    public void Rejected(string policy) => _rejected.Add(1, new KeyValuePair<string, object?>("policy", policy));

    public void CountedLocally(string policy) => _local.Add(1, new KeyValuePair<string, object?>("policy", policy));

    public static Activity? StartSharedCount() =>
        Source.HasListeners() ? Source.StartActivity("crm.rate_limiting shared count", ActivityKind.Client)?.SetTag("db.system.name", "redis") : null;
}
