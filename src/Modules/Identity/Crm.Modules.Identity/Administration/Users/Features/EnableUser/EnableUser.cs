using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.Users.Features.EnableUser;

internal sealed record EnableUser(string Id, Actor Actor) : IRequest<Result<UserResponse>>;

/// <summary>
/// Lets a disabled user sign in again (with a clean lockout count); their old sessions stay revoked. A user who
/// never signed in goes back to invited. Enabling an enabled user changes nothing.
/// </summary>
internal sealed class EnableUserHandler(IDocumentStore store, IAuditLog audit) : IRequestHandler<EnableUser, Result<UserResponse>>
{
    public async ValueTask<Result<UserResponse>> Handle(EnableUser request, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var user = await session.LoadAsync<User>(request.Id, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                return AdministrationErrors.UserNotFound;
            }

            if (user.Status != UserStatus.Disabled)
            {
                return UserResponse.Of(user);
            }

            user.Status = user.LastSignInAt is null && user.InvitedBy is not null ? UserStatus.Invited : UserStatus.Active;
            user.FailedSignIns = 0;
            user.LockedUntil = null;
            session.Store(user);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(
                request.Actor.Did(AuditActions.UserEnabled, user.Id),
                cancellationToken).ConfigureAwait(false);
            return UserResponse.Of(user);
        }
    }
}

internal sealed class EnableUserEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.Users(app)
            .MapPost("/{id}/enable", HandleAsync)
            .WithName("EnableUser")
            .WithSummary("Enables a disabled user; they sign in afresh (old sessions stay revoked).")
            .Produces<UserResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new EnableUser(id, Actor.Of(httpContext)), cancellationToken);
        return result.ToHttpResult(user => TypedResults.Ok(user));
    }
}
