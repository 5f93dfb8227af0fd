using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
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
using Microsoft.Extensions.Options;

namespace Crm.Modules.Identity.SignIn.Google.Features.SignInWithGoogle;

internal sealed record SignInWithGoogleBody(string? IdToken);

internal sealed record SignInWithGoogle(string? IdToken, string? IpAddress) : IRequest<Result<TokenPair>>;

internal sealed class SignInWithGoogleValidator : AbstractValidator<SignInWithGoogle>
{
    /// <summary>Google ID tokens are about 1 KB; anything far larger is not one.</summary>
    public const int MaxTokenLength = 8 * 1024;

    public SignInWithGoogleValidator() =>
        RuleFor(x => x.IdToken).NotEmpty().WithMessage("is required")
            .MaximumLength(MaxTokenLength).WithMessage($"must be at most {MaxTokenLength} characters");
}

/// <summary>
/// Signs a person in with a verified Google ID token. A known user (by Google subject, else by email) signs in unless
/// disabled; an invited one becomes active with the invited role. An unknown email becomes a user with no role
/// (waiting for access), or with the default role when the email is on the allow-list.
/// </summary>
internal sealed class SignInWithGoogleHandler(
    GoogleTokenVerifier verifier,
    IDocumentStore store,
    ITokenIssuer tokens,
    IAuditLog audit,
    IOptions<GoogleSignInOptions> options,
    TimeProvider time) : IRequestHandler<SignInWithGoogle, Result<TokenPair>>
{
    public const string Method = "google";

    public static readonly Error Refused = Error.Unauthorized("identity.sign_in_refused", "This account cannot sign in.");

    public async ValueTask<Result<TokenPair>> Handle(SignInWithGoogle request, CancellationToken cancellationToken)
    {
        var (verified, reason) = await verifier.VerifyAsync(request.IdToken!, cancellationToken).ConfigureAwait(false);
        if (verified.IsFailure)
        {
            if (verified.Error.Kind == ErrorKind.Unauthorized)
            {
                await FailedAsync(null, null, reason, request.IpAddress, cancellationToken).ConfigureAwait(false);
            }

            return verified.Error;
        }

        var identity = verified.Value;
        var user = await FindOrCreateAsync(identity, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            await FailedAsync(null, identity.Email, "Google account linked to another user", request.IpAddress, cancellationToken).ConfigureAwait(false);
            return Refused;
        }

        if (user.Status == UserStatus.Disabled)
        {
            await FailedAsync(user.Id, user.Email, "user disabled", request.IpAddress, cancellationToken).ConfigureAwait(false);
            return Refused;
        }

        var pair = await tokens.SignInAsync(user, cancellationToken).ConfigureAwait(false);
        Counted("success");
        await audit.RecordAsync(
            new AuditRecord(AuditActions.SignIn, user.Id, user.Email, user.Id, Detail: Method, IpAddress: request.IpAddress),
            cancellationToken).ConfigureAwait(false);
        return pair;
    }

    /// <summary>The user, stored with this sign-in's changes; null when the email's user is tied to another Google account.</summary>
    private async Task<User?> FindOrCreateAsync(GoogleIdentity identity, CancellationToken cancellationToken)
    {
        // A first sign-in racing another of the same person loses on the unique email; the second pass finds the user.
        for (var attempt = 0; ; attempt++)
        {
            var session = store.OpenSession();
            await using (session.ConfigureAwait(false))
            {
                var subject = identity.Subject;
                var email = identity.Email;
                var user = await session.Query<User>().Where(x => x.GoogleSubject == subject).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
                    ?? await session.Query<User>().Where(x => x.Email == email).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                if (user is { GoogleSubject: { } linked } && linked != subject)
                {
                    return null;
                }

                var now = time.GetUtcNow();
                user ??= NewUser(identity, now);
                if (user.Status == UserStatus.Disabled)
                {
                    return user;
                }

                user.GoogleSubject = subject;
                user.Name ??= identity.Name;
                user.LastSignInAt = now;
                if (user.Status == UserStatus.Invited)
                {
                    // The invitation is used up: its code must not set a password on an account now in use.
                    user.Status = UserStatus.Active;
                    user.InvitationCodeHash = null;
                    user.InvitationExpiresAt = null;
                }

                session.Store(user);
                try
                {
                    await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    return user;
                }
                catch (DocumentConflictException) when (attempt == 0)
                {
                    // Someone else wrote this user meanwhile; read it again.
                }
            }
        }
    }

    private User NewUser(GoogleIdentity identity, DateTimeOffset now)
    {
        var settings = options.Value;
        var allowed = settings.AllowedEmails.Any(email => string.Equals(email.Trim(), identity.Email, StringComparison.OrdinalIgnoreCase));
        return new User
        {
            Id = DocumentId.New(time),
            Email = identity.Email,
            Name = identity.Name,
            Role = allowed ? Roles.Parse(settings.DefaultRole) ?? Roles.Viewer : null,
            Status = UserStatus.Active,
            CreatedAt = now,
        };
    }

    private static void Counted(string outcome) =>
        SignInTelemetry.SignIns.Add(
            1,
            new KeyValuePair<string, object?>("crm.auth.outcome", outcome),
            new KeyValuePair<string, object?>("crm.auth.method", Method));

    private Task FailedAsync(string? userId, string? email, string? reason, string? ipAddress, CancellationToken cancellationToken)
    {
        Counted("failure");
        return audit.RecordAsync(
            new AuditRecord(AuditActions.SignInFailed, userId, email, userId, Succeeded: false, Detail: $"{Method}: {reason}", IpAddress: ipAddress),
            cancellationToken);
    }
}

internal sealed class SignInWithGoogleEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AuthApi.Group(app)
            .MapPost("/google", HandleAsync)
            .WithName("SignInWithGoogle")
            .WithSummary("Signs in with a Google ID token from Google Identity Services; answers an access token and a refresh token.")
            .AllowAnonymousBecause("sign-in: the Google ID token's signature, audience and expiry are the protection; rate limited per IP")
            .RequireRateLimiting(RateLimitPolicies.SignIn)
            .Accepts<SignInWithGoogleBody>("application/json")
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, TimeProvider time, CancellationToken cancellationToken)
    {
        var node = await JsonRequestBody.ReadAsync(httpContext.Request, ["application/json"], 16 * 1024, cancellationToken);
        if (node is null)
        {
            return Error.InvalidField("idToken", "is required").ToProblem();
        }

        var body = JsonRequestBody.Bind<SignInWithGoogleBody>(node, httpContext);
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        var result = await sender.Send(new SignInWithGoogle(body.Value.IdToken, AuthApi.ClientAddress(httpContext)), cancellationToken);
        return result.ToTokenResult(httpContext, time);
    }
}
