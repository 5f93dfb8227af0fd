namespace Crm.SharedKernel.Web;

/// <summary>How <see cref="IdempotencyMiddleware"/> keeps <c>Idempotency-Key</c>s (section <c>Idempotency</c> in configuration).</summary>
public sealed class IdempotencyOptions
{
    public const string HeaderName = "Idempotency-Key";

    /// <summary>Set to <c>true</c> on a replayed response.</summary>
    public const string ReplayedHeaderName = "Idempotent-Replayed";

    public const int MaxKeyLength = 255;

    /// <summary>POSTs under this prefix take the header.</summary>
    public string PathPrefix { get; set; } = "/api/v1";

    /// <summary>How long a key is remembered after its first use.</summary>
    public TimeSpan KeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a request holding a key may run before another request with that key may take it over: a process that
    /// died mid-request must not block its key for a whole <see cref="KeyLifetime"/>.
    /// </summary>
    public TimeSpan InFlightLease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often expired records are deleted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The largest body buffered to be hashed (bulk calls included); larger is a 413.</summary>
    public long MaxBodyBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Bodies above this are buffered in a temporary file rather than in memory.</summary>
    public int MemoryBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Responses larger than this are sent but not kept, and the key is released: a repeat runs again (the bulk
    /// endpoints that answer this much are upserts, so running again is safe).
    /// </summary>
    public int MaxStoredResponseBytes { get; set; } = 8 * 1024 * 1024;
}
