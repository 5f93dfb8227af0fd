using System.Security.Claims;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.SignIn;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration;

/// <summary>The admin route groups, each under the one permission that guards all of it.</summary>
internal static class AdministrationApi
{
    public const string Json = "application/json";

    public static RouteGroupBuilder ApiKeys(IEndpointRouteBuilder app) =>
        app.MapGroup("/apikeys").WithTags("API keys").RequirePermission(Permissions.ApiKeysManage);

    public static RouteGroupBuilder Users(IEndpointRouteBuilder app) =>
        app.MapGroup("/users").WithTags("Users").RequirePermission(Permissions.UsersManage);

    public static RouteGroupBuilder Audit(IEndpointRouteBuilder app) =>
        app.MapGroup("/audit").WithTags("Audit").RequirePermission(Permissions.AuditRead);
}

/// <summary>
/// Who is acting: a signed-in admin or an API key, with what they hold. Handlers get it as a value so they can be
/// called (and audited) without an HTTP context.
/// </summary>
internal sealed record Actor(string Id, string? Email, IReadOnlySet<string> Permissions, string? IpAddress)
{
    public static Actor Of(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var user = httpContext.User;

        // Endpoints run only after authorization, so a subject is always there; its absence is a wiring bug.
        var id = user.SubjectId() ?? throw new InvalidOperationException("An authorized request has no subject claim.");
        return new Actor(
            id,
            user.FindFirstValue(CrmClaimTypes.Email),
            user.FindAll(CrmClaimTypes.Permission).Select(claim => claim.Value).ToHashSet(StringComparer.Ordinal),
            AuthApi.ClientAddress(httpContext));
    }

    /// <summary>The audit line of something this actor did to <paramref name="targetId"/>.</summary>
    public AuditRecord Did(string action, string targetId, string? detail = null) =>
        new(action, Id, Email, targetId, Detail: detail, IpAddress: IpAddress);
}
