using System.Diagnostics.Metrics;

namespace Crm.Modules.Identity.SignIn;

/// <summary>Sign-in telemetry (meter "Crm.Identity"): sign-ins by outcome, lockouts, refreshes, detected token reuse.</summary>
internal static class SignInTelemetry
{
    public const string Name = "Crm.Identity";

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> SignIns = Meter.CreateCounter<long>("crm.identity.sign_ins", description: "Sign-in attempts, by outcome");

    public static readonly Counter<long> Lockouts = Meter.CreateCounter<long>("crm.identity.lockouts", description: "Accounts locked after repeated failures");

    public static readonly Counter<long> Refreshes = Meter.CreateCounter<long>("crm.identity.refreshes", description: "Refresh token exchanges, by outcome");
}
