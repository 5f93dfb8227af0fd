using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Validation;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.Users.Features.InviteUser;

internal sealed record InviteUserBody(string? Email, string? Role, string? Name);

internal sealed record InviteUser(string? Email, string? Role, string? Name, Actor Actor) : IRequest<Result<UserResponse>>;

internal sealed class InviteUserValidator : AbstractValidator<InviteUser>
{
    public InviteUserValidator()
    {
        RuleFor(x => x.Email).NotEmpty().WithMessage("is required")
            .Must(email => EmailAddress.IsValid(email!.Trim())).When(x => !string.IsNullOrWhiteSpace(x.Email)).WithMessage("is not an email address");
        RuleFor(x => x.Role).Must(role => Roles.Parse(role) is not null).WithMessage($"must be one of {string.Join(", ", Roles.All)}");
        RuleFor(x => x.Name).MaximumLength(200).WithMessage("must be at most 200 characters");
    }
}

/// <summary>
/// Creates an invited user with their role. Their first Google sign-in with this email makes them active; a local
/// password is set by the person through their invitation (see docs/identity.md, Users and roles).
/// </summary>
internal sealed class InviteUserHandler(IDocumentStore store, TimeProvider time, IAuditLog audit) : IRequestHandler<InviteUser, Result<UserResponse>>
{
    public async ValueTask<Result<UserResponse>> Handle(InviteUser request, CancellationToken cancellationToken)
    {
        var user = new User
        {
            Id = DocumentId.New(time),
            Email = request.Email!.Trim().ToLowerInvariant(),
            Name = string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim(),
            Role = Roles.Parse(request.Role),
            Status = UserStatus.Invited,
            InvitedBy = request.Actor.Id,
            CreatedAt = time.GetUtcNow(),
        };
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(user);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.DuplicateKey)
            {
                return AdministrationErrors.EmailTaken;
            }
        }

        await audit.RecordAsync(
            new AuditRecord(AuditActions.UserInvited, request.Actor.Id, request.Actor.Email, user.Id, Detail: user.Role, IpAddress: request.Actor.IpAddress),
            cancellationToken).ConfigureAwait(false);
        return UserResponse.Of(user);
    }
}

internal sealed class InviteUserEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.Users(app)
            .MapPost("/invitations", HandleAsync)
            .WithName("InviteUser")
            .WithSummary("Invites a person by email with a role; they become active at their first sign-in.")
            .Accepts<InviteUserBody>(AdministrationApi.Json)
            .Produces<UserResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var body = await AdministrationBody.ReadAsync<InviteUserBody>(httpContext, cancellationToken);
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        var result = await sender.Send(new InviteUser(body.Value.Email, body.Value.Role, body.Value.Name, Actor.Of(httpContext)), cancellationToken);
        return result.ToHttpResult(user => TypedResults.Created($"/api/v1/users/{user.Id}", user));
    }
}
