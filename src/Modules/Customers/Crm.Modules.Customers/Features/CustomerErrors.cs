using Crm.SharedKernel.Errors;

namespace Crm.Modules.Customers.Features;

internal static class CustomerErrors
{
    public static readonly Error NotFound = Error.NotFound("customers.not_found", "No customer has this id.");

    public static readonly Error EmailTaken = Error.Conflict(
        "customers.email_taken",
        "Another customer already has this email.",
        new Dictionary<string, string[]>(StringComparer.Ordinal) { ["email"] = ["is already used by another customer"] });

    public static readonly Error StaleVersion = Error.PreconditionFailed(
        "customers.stale_version",
        "The customer changed since the version in If-Match; read it again and retry.");
}
