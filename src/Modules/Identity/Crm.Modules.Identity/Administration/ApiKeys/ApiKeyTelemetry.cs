using System.Diagnostics.Metrics;
using Crm.Modules.Identity.SignIn;

namespace Crm.Modules.Identity.Administration.ApiKeys;

/// <summary>API key authentication on the "Crm.Identity" meter: every call with a key passes here.</summary>
internal static class ApiKeyTelemetry
{
    private static readonly Meter Meter = new(SignInTelemetry.Name);

    /// <summary>Tagged <c>crm.auth.outcome</c>: success, malformed, unknown, revoked.</summary>
    public static readonly Counter<long> Authentications =
        Meter.CreateCounter<long>("crm.identity.api_key_authentications", description: "Requests authenticated with an API key, by outcome");

    public static readonly Counter<long> LastUsedWrites =
        Meter.CreateCounter<long>("crm.identity.api_key_last_used_writes", description: "Writes of an API key's last-used time (at most one a minute per key)");

    public static void Authenticated(string outcome) =>
        Authentications.Add(1, new KeyValuePair<string, object?>("crm.auth.outcome", outcome));
}
