using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tokens;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Identity.SignIn.LogIn;

internal sealed record LogInBody(string? Email, string? Password);

internal sealed record LogIn(string Email, string Password, string? IpAddress) : IRequest<Result<TokenPair>>;

internal sealed class LogInValidator : AbstractValidator<LogIn>
{
    public LogInValidator()
    {
        RuleFor(x => x.Email).NotEmpty().MaximumLength(320);
        RuleFor(x => x.Password).NotEmpty().MaximumLength(1024);
    }
}

/// <summary>
/// Local sign-in. Unknown, locked, disabled and password-less accounts all answer like a wrong password, after the
/// same hashing work; after <see cref="LockoutSettings.MaxFailures"/> wrong passwords in a row the account is locked
/// for <see cref="LockoutSettings.Minutes"/>. Every outcome is audited.
/// </summary>
internal sealed class LogInHandler(
    IDocumentStore store,
    Passwords passwords,
    ITokenIssuer tokens,
    IAuditLog audit,
    IOptions<AuthOptions> options,
    TimeProvider time) : IRequestHandler<LogIn, Result<TokenPair>>
{
    public async ValueTask<Result<TokenPair>> Handle(LogIn request, CancellationToken cancellationToken)
    {
        var email = Passwords.NormaliseEmail(request.Email);
        var user = await Users.FindByEmailAsync(store, email, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (user is null)
        {
            passwords.SpendEquivalentWork(request.Password);
            return await FailAsync(request, null, email, "unknown account", cancellationToken).ConfigureAwait(false);
        }

        if (user.LockedUntil is { } until && until > now)
        {
            passwords.SpendEquivalentWork(request.Password);
            return await FailAsync(request, user, email, "locked", cancellationToken).ConfigureAwait(false);
        }

        var verdict = passwords.Verify(user, request.Password);
        if (user.Status == UserStatus.Disabled)
        {
            return await FailAsync(request, user, email, "disabled", cancellationToken).ConfigureAwait(false);
        }

        if (verdict == PasswordVerificationResult.Failed)
        {
            return await WrongPasswordAsync(request, user, now, cancellationToken).ConfigureAwait(false);
        }

        var signedIn = await Users.UpdateAsync(store, user, u =>
        {
            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            {
                u.PasswordHash = passwords.Hash(u, request.Password);
            }

            u.FailedSignIns = 0;
            u.LockedUntil = null;
            u.LastSignInAt = now;
            if (u.Status == UserStatus.Invited)
            {
                u.Status = UserStatus.Active;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (signedIn is null || signedIn.Status == UserStatus.Disabled)
        {
            return await FailAsync(request, user, email, "disabled", cancellationToken).ConfigureAwait(false);
        }

        var pair = await tokens.SignInAsync(signedIn, cancellationToken).ConfigureAwait(false);
        SignInTelemetry.SignIns.Add(1, new KeyValuePair<string, object?>("crm.auth.outcome", "success"));
        await audit.RecordAsync(
            new AuditRecord(AuditActions.SignIn, signedIn.Id, signedIn.Email, signedIn.Id, Detail: "password", IpAddress: request.IpAddress),
            cancellationToken).ConfigureAwait(false);
        return pair;
    }

    private async Task<Result<TokenPair>> WrongPasswordAsync(LogIn request, User user, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lockout = options.Value.Lockout;
        var lockedNow = false;
        await Users.UpdateAsync(store, user, u =>
        {
            // A lock that has run out starts a fresh count.
            if (u.LockedUntil is { } until && until <= now)
            {
                u.LockedUntil = null;
                u.FailedSignIns = 0;
            }

            u.FailedSignIns++;
            lockedNow = u.FailedSignIns >= lockout.MaxFailures;
            if (lockedNow)
            {
                u.LockedUntil = now.AddMinutes(lockout.Minutes);
                u.FailedSignIns = 0;
            }
        }, cancellationToken).ConfigureAwait(false);

        var failed = await FailAsync(request, user, user.Email, "wrong password", cancellationToken).ConfigureAwait(false);
        if (lockedNow)
        {
            SignInTelemetry.Lockouts.Add(1);
            await audit.RecordAsync(
                new AuditRecord(AuditActions.LockedOut, user.Id, user.Email, user.Id, Detail: $"{lockout.MaxFailures} failed sign-ins", IpAddress: request.IpAddress),
                cancellationToken).ConfigureAwait(false);
        }

        return failed;
    }

    private async Task<Result<TokenPair>> FailAsync(LogIn request, User? user, string email, string reason, CancellationToken cancellationToken)
    {
        SignInTelemetry.SignIns.Add(1, new KeyValuePair<string, object?>("crm.auth.outcome", "failure"));
        await audit.RecordAsync(
            new AuditRecord(AuditActions.SignInFailed, user?.Id, email, user?.Id, Succeeded: false, Detail: reason, IpAddress: request.IpAddress),
            cancellationToken).ConfigureAwait(false);
        return AuthApi.InvalidCredentials;
    }
}

internal sealed class LogInEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AuthApi.Group(app)
            .MapPost("/login", HandleAsync)
            .WithName("LogIn")
            .WithSummary("Signs in with email and password; answers an access token and a refresh token.")
            .AllowAnonymousBecause("sign-in itself: rate-limited per client address, accounts lock after repeated failures")
            .RequireRateLimiting(RateLimitPolicies.SignIn)
            .Produces<TokenResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult> HandleAsync(LogInBody body, ISender sender, HttpContext httpContext, TimeProvider time, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new LogIn(body.Email ?? "", body.Password ?? "", AuthApi.ClientAddress(httpContext)), cancellationToken);
        return result.ToTokenResult(httpContext, time);
    }
}
