using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.SignIn;
using Crm.Modules.Identity.Tokens;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.Users.Features.AcceptInvitation;

internal sealed record AcceptInvitationBody(string? Email, string? Code, string? Password);

internal sealed record AcceptInvitation(string? Email, string? Code, string? Password, string? IpAddress) : IRequest<Result<TokenPair>>;

internal sealed class AcceptInvitationValidator : AbstractValidator<AcceptInvitation>
{
    public const int MaxPasswordLength = 1024;

    public AcceptInvitationValidator(Passwords passwords)
    {
        ArgumentNullException.ThrowIfNull(passwords);
        RuleFor(x => x.Email).NotEmpty().WithMessage("is required").MaximumLength(254).WithMessage("must be at most 254 characters");
        RuleFor(x => x.Code).NotEmpty().WithMessage("is required").MaximumLength(100).WithMessage("must be at most 100 characters");
        RuleFor(x => x.Password).NotEmpty().WithMessage("is required")
            .MinimumLength(passwords.MinLength).WithMessage($"must be at least {passwords.MinLength} characters")
            .MaximumLength(MaxPasswordLength).WithMessage($"must be at most {MaxPasswordLength} characters");
    }
}

/// <summary>
/// An invited person sets their local password with the one-time code of their invitation, and is signed in. A wrong,
/// used or expired code gets one answer, whatever the reason, so the endpoint tells nobody which emails are invited.
/// </summary>
internal sealed class AcceptInvitationHandler(
    IDocumentStore store,
    Passwords passwords,
    ITokenIssuer tokens,
    IAuditLog audit,
    TimeProvider time) : IRequestHandler<AcceptInvitation, Result<TokenPair>>
{
    public static readonly Error Invalid = Error.Unauthorized(
        "identity.invitation_invalid", "The invitation code is not right, was used already, or has expired.");

    public async ValueTask<Result<TokenPair>> Handle(AcceptInvitation request, CancellationToken cancellationToken)
    {
        var email = Passwords.NormaliseEmail(request.Email!);
        var now = time.GetUtcNow();
        var presented = Secrets.Hash(request.Code!);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var user = await session.Query<User>().Where(x => x.Email == email).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            var valid = user is { Status: UserStatus.Invited, InvitationCodeHash: { } hash, InvitationExpiresAt: { } expires }
                && expires > now
                && Secrets.SameHash(hash, presented);
            if (!valid)
            {
                await FailedAsync(user, request.IpAddress, cancellationToken).ConfigureAwait(false);
                return Invalid;
            }

            user!.PasswordHash = passwords.Hash(user, request.Password!);
            user.Status = UserStatus.Active;
            user.InvitationCodeHash = null;
            user.InvitationExpiresAt = null;
            user.LastSignInAt = now;
            session.Store(user);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException)
            {
                // The same code sent twice at once: only the first one sets the password.
                await FailedAsync(user, request.IpAddress, cancellationToken).ConfigureAwait(false);
                return Invalid;
            }

            var pair = await tokens.SignInAsync(user, cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(
                new AuditRecord(AuditActions.InvitationAccepted, user.Id, user.Email, user.Id, IpAddress: request.IpAddress),
                cancellationToken).ConfigureAwait(false);
            return pair;
        }
    }

    private Task FailedAsync(User? user, string? ipAddress, CancellationToken cancellationToken) =>
        audit.RecordAsync(
            new AuditRecord(AuditActions.SignInFailed, user?.Id, user?.Email, user?.Id, Succeeded: false, Detail: "invitation: code not valid", IpAddress: ipAddress),
            cancellationToken);
}

internal sealed class AcceptInvitationEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AuthApi.Group(app)
            .MapPost("/invitations/accept", HandleAsync)
            .WithName("AcceptInvitation")
            .WithSummary("Sets the password of an invited account with its one-time invitation code, and signs in.")
            .AllowAnonymousBecause("an invited person has no credentials yet: the one-time 256-bit invitation code is the protection; rate limited per IP")
            .RequireRateLimiting(RateLimitPolicies.SignIn)
            .Accepts<AcceptInvitationBody>(AdministrationApi.Json)
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await AdministrationBody.ReadAsync<AcceptInvitationBody>(httpContext, cancellationToken);
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        var request = new AcceptInvitation(body.Value.Email, body.Value.Code, body.Value.Password, AuthApi.ClientAddress(httpContext));
        var result = await sender.Send(request, cancellationToken);
        return result.ToTokenResult(httpContext, time);
    }
}
