using System.Threading.RateLimiting;

namespace Crm.Host.RateLimiting;

/// <summary>
/// One partition's fixed window: counted in Redis when it is configured and answering, in-process otherwise. Leases
/// it refuses carry the policy's name and when to retry, for the 429 answer and the rejection counter.
/// </summary>
internal sealed class WindowRateLimiter : ReplenishingRateLimiter
{
    /// <summary>The policy that refused a call, on refused leases.</summary>
    public static readonly MetadataName<string> Policy = MetadataName.Create<string>("crm.policy");

    private readonly string _policy;
    private readonly string _key;
    private readonly WindowLimit _limit;
    private readonly SharedRateLimitCounter? _shared;
    private readonly RateLimitingTelemetry _telemetry;
    private readonly TimeProvider _time;

    // Redis counts survive this limiter: the partitioned limiter drops idle partitions, and the next call makes a
    // fresh one over the same Redis key. The in-process window is the whole count when Redis is not configured.
    private readonly FixedWindowRateLimiter _local;

    // When the in-process window began, mirroring the inner limiter's (which keeps it to itself), so that a refusal
    // can say how long is left rather than a whole window.
    private long _windowStarted;

    public WindowRateLimiter(
        string policy, string key, WindowLimit limit, SharedRateLimitCounter? shared, RateLimitingTelemetry telemetry, TimeProvider time)
    {
        _time = time;
        _windowStarted = time.GetTimestamp();
        _policy = policy;
        _key = key;
        _limit = limit;
        _shared = shared;
        _telemetry = telemetry;
        _local = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = limit.Window,
            QueueLimit = 0,

            // The partitioned limiter replenishes its partitions from one timer instead of a timer each.
            AutoReplenishment = false,
        });
    }

    public override TimeSpan? IdleDuration => _local.IdleDuration;

    public override bool IsAutoReplenishing => false;

    public override TimeSpan ReplenishmentPeriod => _local.ReplenishmentPeriod;

    public override bool TryReplenish()
    {
        var started = Interlocked.Read(ref _windowStarted);
        if (_time.GetElapsedTime(started) >= _limit.Window)
        {
            Interlocked.Exchange(ref _windowStarted, _time.GetTimestamp());
        }

        return _local.TryReplenish();
    }

    public override RateLimiterStatistics? GetStatistics() => _local.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        if (permitCount == 0)
        {
            return Refusing(_local.AttemptAcquire(0));
        }

        // Every count is taken through AcquireAsync: Redis needs an await, and the rate-limiting middleware, after a
        // synchronous attempt refused by an endpoint policy, releases the global lease and asks both again, which
        // would take a fixed window's permit twice. Refusing here without counting sends it straight to the async path.
        return Lease.NotYetCounted;
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (_shared is not null && permitCount > 0)
        {
            if (await _shared.TryAcquireAsync(_key, permitCount, _limit, cancellationToken).ConfigureAwait(false) is { } decision)
            {
                return decision.Acquired ? Lease.Acquired : new Lease(false, _policy, decision.RetryAfter);
            }

            _telemetry.CountedLocally(_policy);
        }

        return Refusing(await _local.AcquireAsync(permitCount, cancellationToken).ConfigureAwait(false));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _local.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await _local.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsyncCore().ConfigureAwait(false);
    }

    private RateLimitLease Refusing(RateLimitLease lease)
    {
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        var left = _limit.Window - _time.GetElapsedTime(Interlocked.Read(ref _windowStarted));
        return new Lease(false, _policy, left > TimeSpan.Zero ? left : TimeSpan.FromSeconds(1));
    }

    private sealed class Lease(bool acquired, string? policy, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true, null, null);

        public static readonly Lease NotYetCounted = new(false, null, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames
        {
            get
            {
                if (policy is not null)
                {
                    yield return Policy.Name;
                }

                if (retryAfter is not null)
                {
                    yield return MetadataName.RetryAfter.Name;
                }
            }
        }

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName switch
            {
                _ when metadataName == Policy.Name => policy,
                _ when metadataName == MetadataName.RetryAfter.Name => retryAfter,
                _ => null,
            };
            return metadata is not null;
        }

        protected override void Dispose(bool disposing)
        {
            // Nothing to give back: a fixed window's count is not returned when a call ends.
        }
    }
}
