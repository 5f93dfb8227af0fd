namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>How the outbox dispatcher reads the outbox and retries failed deliveries.</summary>
public sealed class OutboxDispatcherOptions
{
    /// <summary>Outbox messages read and delivered per pass; also the retries attempted per queue and pass.</summary>
    public int BatchSize { get; set; } = 1_000;

    /// <summary>
    /// Events of distinct aggregates delivered to one handler in one commit (one session, one inbox read). A batch
    /// whose commit fails is delivered again one event at a time, so a poisoned event is retried alone.
    /// </summary>
    public int DeliveryBatchSize { get; set; } = 128;

    /// <summary>How long an idle dispatcher waits before it looks at the outbox again, unless woken earlier.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Attempts of one delivery, the first included, before it is parked.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failure; it doubles with every further failure, with jitter.</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Batches of one handler delivered at the same time. Events of one aggregate are always delivered one after another;
    /// handlers of different aggregates may then touch the same document, which the store's optimistic
    /// concurrency turns into a retry.
    /// </summary>
    public int MaxConcurrency { get; set; } = 4;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(DeliveryBatchSize, 1, nameof(DeliveryBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrency, 1, nameof(MaxConcurrency));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(BaseBackoff, TimeSpan.Zero, nameof(BaseBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, BaseBackoff, nameof(MaxBackoff));
    }

    /// <summary>The wait after <paramref name="failures"/> failed attempts: exponential, capped, with equal jitter.</summary>
    internal TimeSpan BackoffAfter(int failures, double random)
    {
        var exponent = Math.Min(Math.Max(failures - 1, 0), 30);
        var ceiling = Math.Min(BaseBackoff.Ticks * Math.Pow(2, exponent), MaxBackoff.Ticks);

        // Equal jitter keeps at least half the wait, and spreads handlers that failed together.
        return TimeSpan.FromTicks((long)((ceiling / 2) + (ceiling / 2 * random)));
    }
}
