namespace Crm.SharedKernel.Security;

/// <summary>
/// Named rate-limit policies an endpoint group opts into with <c>RequireRateLimiting</c>. Every API call is also under
/// the host's global limit per caller (user or API key), or per IP address for anonymous calls.
/// </summary>
public static class RateLimitPolicies
{
    /// <summary>Sign-in, refresh and setup: per client IP address, strict, against password guessing.</summary>
    public const string SignIn = "sign-in";

    /// <summary>Bulk ingestion and imports: per caller, fewer but larger calls.</summary>
    public const string Bulk = "bulk";
}
