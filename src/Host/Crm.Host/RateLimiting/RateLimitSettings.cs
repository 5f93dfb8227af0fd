namespace Crm.Host.RateLimiting;

/// <summary>
/// The limits, bound from the <c>RateLimiting</c> section. Every limit is a fixed window: at most
/// <see cref="WindowLimit.PermitLimit"/> calls per <see cref="WindowLimit.Window"/>, counted from a partition's first call.
/// docs/security.md lists the keys.
/// </summary>
internal sealed class RateLimitSettings
{
    public const string Section = "RateLimiting";

    /// <summary>Off turns every limit into no limit (the named policies stay mapped, so endpoints still resolve them).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Every /api/v1 call, per caller (user or API key) or per client IP address when anonymous.</summary>
    public WindowLimit Global { get; set; } = new() { PermitLimit = 6_000 };

    /// <summary>
    /// Sign-in, refresh and setup, per client IP address, against password guessing. Room for an office behind one
    /// address signing in at nine and refreshing tokens; guessing one account is stopped by its lockout, not by this.
    /// </summary>
    public WindowLimit SignIn { get; set; } = new() { PermitLimit = 30 };

    /// <summary>Bulk ingestion and imports, per caller.</summary>
    public WindowLimit Bulk { get; set; } = new() { PermitLimit = 60 };

    /// <summary>
    /// Limits for one endpoint group instead of <see cref="Global"/>, keyed by the first path segment after /api/v1
    /// (<c>customers</c>, <c>orders</c>, ...). A group's calls are counted apart from the caller's other calls.
    /// </summary>
    public Dictionary<string, WindowLimit> Groups { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Prefix of the Redis keys holding shared counts, so several installations can share one Redis.</summary>
    public string RedisKeyPrefix { get; set; } = "crm:rate-limits:";

    /// <summary>After Redis fails, how long calls are counted in-process before Redis is tried again.</summary>
    public TimeSpan RedisRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a call waits on Redis for its count before it is counted in-process instead.</summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What is wrong with these settings, each naming its configuration key; empty when they are usable.</summary>
    public IEnumerable<string> Problems()
    {
        var limits = new List<(string Key, WindowLimit Limit)> { ("Global", Global), ("SignIn", SignIn), ("Bulk", Bulk) };
        limits.AddRange(Groups.Select(group => ($"Groups:{group.Key}", group.Value)));
        foreach (var (key, limit) in limits)
        {
            if (limit.PermitLimit < 1)
            {
                yield return $"{Section}:{key}:PermitLimit must be at least 1 (it is {limit.PermitLimit}).";
            }

            if (limit.Window < TimeSpan.FromSeconds(1) || limit.Window > TimeSpan.FromDays(1))
            {
                yield return $"{Section}:{key}:Window must be between 00:00:01 and 1.00:00:00 (it is {limit.Window}).";
            }
        }

        if (RedisRetryInterval <= TimeSpan.Zero)
        {
            yield return $"{Section}:RedisRetryInterval must be positive.";
        }

        if (RedisTimeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:RedisTimeout must be positive.";
        }
    }
}

internal sealed class WindowLimit
{
    public int PermitLimit { get; set; } = 100;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
