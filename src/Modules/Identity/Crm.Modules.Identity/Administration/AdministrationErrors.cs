using Crm.SharedKernel.Errors;

namespace Crm.Modules.Identity.Administration;

internal static class AdministrationErrors
{
    public static readonly Error UserNotFound = Error.NotFound("identity.user_not_found", "No user has this id.");

    public static readonly Error ApiKeyNotFound = Error.NotFound("identity.api_key_not_found", "No API key has this id.");

    public static readonly Error EmailTaken = Error.Conflict(
        "identity.email_taken",
        "A user with this email exists already.",
        Field("email", "belongs to an existing user"));

    public static readonly Error CannotDisableSelf = Error.Unprocessable(
        "identity.cannot_disable_self",
        "An admin cannot disable their own account; ask another admin.",
        Field("id", "is your own account"));

    public static readonly Error LastAdmin = Error.Unprocessable(
        "identity.last_admin",
        "This is the last active Admin; make another user Admin first.",
        Field("id", "is the last active Admin"));

    public static readonly Error PermissionsNotHeld = Error.Unprocessable(
        "identity.permissions_not_held",
        "A key can carry only permissions its creator holds.",
        Field("permissions", "includes permissions you do not hold"));

    private static Dictionary<string, string[]> Field(string field, string message) =>
        new(StringComparer.Ordinal) { [field] = [message] };
}
