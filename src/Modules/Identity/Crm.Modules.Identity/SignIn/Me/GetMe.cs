using Carter;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.SignIn.Me;

internal sealed record MeResponse(
    string Id,
    string Kind,
    string? Email,
    string? Name,
    string? Role,
    IReadOnlyList<string> Permissions,
    bool WaitingForAccess);

internal sealed record GetMe(string SubjectId, string? Kind, IReadOnlyList<string> Permissions) : IRequest<Result<MeResponse>>;

/// <summary>Who the caller is. A person without a role is told they are waiting for access; an API key sees its permissions.</summary>
internal sealed class GetMeHandler(IDocumentStore store) : IRequestHandler<GetMe, Result<MeResponse>>
{
    public async ValueTask<Result<MeResponse>> Handle(GetMe request, CancellationToken cancellationToken)
    {
        if (request.Kind != CrmPrincipalKinds.User)
        {
            return new MeResponse(request.SubjectId, request.Kind ?? CrmPrincipalKinds.ApiKey, null, null, null, request.Permissions, WaitingForAccess: false);
        }

        var user = await Users.LoadAsync(store, request.SubjectId, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return Error.NotFound("auth.user_not_found", "The signed-in user no longer exists.");
        }

        var role = Roles.Parse(user.Role);
        return new MeResponse(user.Id, CrmPrincipalKinds.User, user.Email, user.Name, role, Roles.PermissionsOf(role), WaitingForAccess: role is null);
    }
}

internal sealed class GetMeEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AuthApi.Group(app)
            .MapGet("/me", HandleAsync)
            .WithName("GetMe")
            .WithSummary("Who the caller is: role and permissions, or waitingForAccess for a person who has no role yet.")
            .RequireSignedIn()
            .Produces<MeResponse>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var user = httpContext.User;
        var permissions = user.FindAll(CrmClaimTypes.Permission).Select(c => c.Value).ToList();
        var result = await sender.Send(new GetMe(user.SubjectId()!, user.FindFirst(CrmClaimTypes.Kind)?.Value, permissions), cancellationToken);
        return result.ToHttpResult(TypedResults.Ok);
    }
}
