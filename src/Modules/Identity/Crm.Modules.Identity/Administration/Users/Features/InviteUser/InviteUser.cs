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

internal sealed record InviteUser(string? Email, string? Role, string? Name, Actor Actor) : IRequest<Result<InvitationResponse>>;

/// <summary>The invited user and the one-time code with which they can set a local password; the code is not shown again.</summary>
internal sealed record InvitationResponse(UserResponse User, string InvitationCode, DateTimeOffset InvitationExpiresAt);

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
/// Creates an invited user with their role. Their first Google sign-in with this email makes them active; or they
/// set a local password with the invitation code at POST /api/v1/auth/invitations/accept.
/// </summary>
internal sealed class InviteUserHandler(IDocumentStore store, TimeProvider time, IAuditLog audit) : IRequestHandler<InviteUser, Result<InvitationResponse>>
{
    /// <summary>How long an invitation code works; an admin invites again (after removing the user) once it lapsed.</summary>
    public static readonly TimeSpan ValidFor = TimeSpan.FromDays(7);

    public async ValueTask<Result<InvitationResponse>> Handle(InviteUser request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var code = Secrets.New();
        var user = new User
        {
            Id = DocumentId.New(time),
            Email = request.Email!.Trim().ToLowerInvariant(),
            Name = string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim(),
            Role = Roles.Parse(request.Role),
            Status = UserStatus.Invited,
            InvitedBy = request.Actor.Id,
            InvitationCodeHash = Secrets.Hash(code),
            InvitationExpiresAt = now + ValidFor,
            CreatedAt = now,
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
            request.Actor.Did(AuditActions.UserInvited, user.Id, user.Role),
            cancellationToken).ConfigureAwait(false);
        return new InvitationResponse(UserResponse.Of(user), code, user.InvitationExpiresAt!.Value);
    }
}

internal sealed class InviteUserEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.Users(app)
            .MapPost("/invitations", HandleAsync)
            .WithName("InviteUser")
            .WithSummary("Invites a person by email with a role. They sign in with Google, or set a password with the one-time invitationCode in this answer.")
            .Accepts<InviteUserBody>(AdministrationApi.Json)
            .Produces<InvitationResponse>(StatusCodes.Status201Created)
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
        return result.ToHttpResult(invitation => TypedResults.Created((string?)null, invitation));
    }
}
