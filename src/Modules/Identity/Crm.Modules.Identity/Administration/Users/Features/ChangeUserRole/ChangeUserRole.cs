using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.Users.Features.ChangeUserRole;

/// <summary>The new role, or null to take every permission away (the user is back to waiting for access).</summary>
internal sealed record ChangeUserRoleBody(string? Role);

internal sealed record ChangeUserRole(string Id, string? Role, Actor Actor) : IRequest<Result<UserResponse>>;

internal sealed class ChangeUserRoleValidator : AbstractValidator<ChangeUserRole>
{
    public ChangeUserRoleValidator() =>
        RuleFor(x => x.Role).Must(role => Roles.Parse(role) is not null).When(x => x.Role is not null)
            .WithMessage($"must be one of {string.Join(", ", Roles.All)}, or null for no role");
}

internal sealed class ChangeUserRoleHandler(IDocumentStore store, IAuditLog audit) : IRequestHandler<ChangeUserRole, Result<UserResponse>>
{
    public async ValueTask<Result<UserResponse>> Handle(ChangeUserRole request, CancellationToken cancellationToken)
    {
        var role = Roles.Parse(request.Role);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var user = await session.LoadAsync<User>(request.Id, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                return AdministrationErrors.UserNotFound;
            }

            if (user.Role == role)
            {
                return UserResponse.Of(user);
            }

            if (role != Roles.Admin && await UserRules.IsLastActiveAdminAsync(session, user, cancellationToken).ConfigureAwait(false))
            {
                return AdministrationErrors.LastAdmin;
            }

            var old = user.Role;
            user.Role = role;

            // Access tokens carry the stamp: ones issued with the old role stop working now, not at expiry.
            user.SecurityStamp++;
            session.Store(user);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(
                request.Actor.Did(AuditActions.RoleChanged, user.Id, $"{UserRules.RoleText(old)} -> {UserRules.RoleText(role)}"),
                cancellationToken).ConfigureAwait(false);
            return UserResponse.Of(user);
        }
    }
}

internal sealed class ChangeUserRoleEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.Users(app)
            .MapPut("/{id}/role", HandleAsync)
            .WithName("ChangeUserRole")
            .WithSummary("Sets a user's role ({\"role\": \"Marketer\"}, or null for none). Their current access tokens stop working.")
            .Accepts<ChangeUserRoleBody>(AdministrationApi.Json)
            .Produces<UserResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var body = await AdministrationBody.ReadAsync<ChangeUserRoleBody>(httpContext, cancellationToken);
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        var result = await sender.Send(new ChangeUserRole(id, body.Value.Role, Actor.Of(httpContext)), cancellationToken);
        return result.ToHttpResult(user => TypedResults.Ok(user));
    }
}
