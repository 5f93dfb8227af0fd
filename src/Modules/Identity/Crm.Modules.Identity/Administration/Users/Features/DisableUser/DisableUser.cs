using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tokens;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.Users.Features.DisableUser;

internal sealed record DisableUser(string Id, Actor Actor) : IRequest<Result<UserResponse>>;

/// <summary>
/// Shuts a user out at once: the raised stamp kills their access tokens, their refresh-token families are revoked in
/// the same commit, and sign-in refuses a disabled user. Disabling a disabled user changes nothing.
/// </summary>
internal sealed class DisableUserHandler(IDocumentStore store, RefreshTokens refreshTokens, IAuditLog audit) : IRequestHandler<DisableUser, Result<UserResponse>>
{
    public async ValueTask<Result<UserResponse>> Handle(DisableUser request, CancellationToken cancellationToken)
    {
        if (request.Id == request.Actor.Id)
        {
            return AdministrationErrors.CannotDisableSelf;
        }

        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var user = await session.LoadAsync<User>(request.Id, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                return AdministrationErrors.UserNotFound;
            }

            if (user.Status == UserStatus.Disabled)
            {
                return UserResponse.Of(user);
            }

            if (await UserRules.IsLastActiveAdminAsync(session, user, cancellationToken).ConfigureAwait(false))
            {
                return AdministrationErrors.LastAdmin;
            }

            user.Status = UserStatus.Disabled;
            user.SecurityStamp++;
            session.Store(user);
            await refreshTokens.StageRevokeAllOfUserAsync(session, user.Id, RefreshTokens.ReasonUserDisabled, cancellationToken).ConfigureAwait(false);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(
                request.Actor.Did(AuditActions.UserDisabled, user.Id),
                cancellationToken).ConfigureAwait(false);
            return UserResponse.Of(user);
        }
    }
}

internal sealed class DisableUserEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.Users(app)
            .MapPost("/{id}/disable", HandleAsync)
            .WithName("DisableUser")
            .WithSummary("Disables a user: they cannot sign in, and their tokens stop working at once. Not yourself, not the last Admin.")
            .Produces<UserResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new DisableUser(id, Actor.Of(httpContext)), cancellationToken);
        return result.ToHttpResult(user => TypedResults.Ok(user));
    }
}
