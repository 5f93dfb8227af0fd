using System.Security.Claims;

namespace Crm.SharedKernel.Security;

public static class PrincipalExtensions
{
    /// <summary>The user id or API key id of the caller; null when anonymous.</summary>
    public static string? SubjectId(this ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.Identity?.IsAuthenticated == true ? principal.FindFirst(CrmClaimTypes.Subject)?.Value : null;
    }

    public static bool HasPermission(this ClaimsPrincipal principal, string permission)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.HasClaim(CrmClaimTypes.Permission, permission);
    }
}
