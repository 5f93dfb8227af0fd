using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tokens;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.SignIn.Refresh;

internal sealed record RefreshBody(string? RefreshToken);

internal sealed record Refresh(string? RefreshToken, string? IpAddress) : IRequest<Result<TokenPair>>;

/// <summary>
/// Exchanges a refresh token for a new pair; the presented token is used up. A used token presented again means two
/// parties hold it: the whole family is revoked (the newest token included), the reuse is audited, and both get 401.
/// </summary>
internal sealed class RefreshHandler(
    IDocumentStore store,
    RefreshTokens refreshTokens,
    TokenIssuer issuer,
    IAuditLog audit,
    TimeProvider time) : IRequestHandler<Refresh, Result<TokenPair>>
{
    private static readonly Error Invalid =
        Error.Unauthorized("auth.invalid_refresh_token", "The refresh token is not valid (unknown, used, expired or revoked). Sign in again.");

    public async ValueTask<Result<TokenPair>> Handle(Refresh request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken) || request.RefreshToken.Length > 200)
        {
            return Outcome("invalid", Invalid);
        }

        var token = await refreshTokens.FindAsync(request.RefreshToken, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (token is null || token.RevokedAt is not null || token.ExpiresAt <= now)
        {
            return Outcome("invalid", Invalid);
        }

        if (token.UsedAt is not null)
        {
            return await ReusedAsync(token, request, "used token presented again", cancellationToken).ConfigureAwait(false);
        }

        var user = await Users.LoadAsync(store, token.UserId, cancellationToken).ConfigureAwait(false);
        if (user is null || user.Status == UserStatus.Disabled)
        {
            await refreshTokens.RevokeFamilyAsync(token.FamilyId, RefreshTokens.ReasonUserDisabled, cancellationToken).ConfigureAwait(false);
            return Outcome("invalid", Invalid);
        }

        token.UsedAt = now;
        var (value, next) = issuer.NewRefreshToken(user.Id, token.FamilyId, now);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            // Guarded by the version read above: of two exchanges of the same token, one wins and the other is reuse.
            session.Store(token);
            session.Store(next);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException)
            {
                return await ReusedAsync(token, request, "token exchanged twice at once", cancellationToken).ConfigureAwait(false);
            }
        }

        await audit.RecordAsync(
            new AuditRecord(AuditActions.TokenRefreshed, user.Id, user.Email, user.Id, IpAddress: request.IpAddress),
            cancellationToken).ConfigureAwait(false);
        return Outcome("success", issuer.Pair(user, now, value, next));
    }

    private async Task<Result<TokenPair>> ReusedAsync(RefreshToken token, Refresh request, string detail, CancellationToken cancellationToken)
    {
        var revoked = await refreshTokens.RevokeFamilyAsync(token.FamilyId, RefreshTokens.ReasonReuse, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(
            new AuditRecord(
                AuditActions.RefreshTokenReused, token.UserId, null, token.UserId, Succeeded: false,
                Detail: $"{detail}; family {token.FamilyId} revoked ({revoked} tokens)", IpAddress: request.IpAddress),
            cancellationToken).ConfigureAwait(false);
        return Outcome("reused", Invalid);
    }

    private static Result<TokenPair> Outcome(string outcome, Result<TokenPair> result)
    {
        SignInTelemetry.Refreshes.Add(1, new KeyValuePair<string, object?>("crm.auth.outcome", outcome));
        return result;
    }
}

internal sealed class RefreshEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AuthApi.Group(app)
            .MapPost("/refresh", HandleAsync)
            .WithName("RefreshTokens")
            .WithSummary("Exchanges a refresh token for a new access token and refresh token; the old refresh token is used up.")
            .AllowAnonymousBecause("the refresh token is the credential: 256 random bits, single use, reuse revokes its family; rate-limited per client address")
            .RequireRateLimiting(RateLimitPolicies.SignIn)
            .Produces<TokenResponse>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult> HandleAsync(RefreshBody body, ISender sender, HttpContext httpContext, TimeProvider time, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new Refresh(body.RefreshToken, AuthApi.ClientAddress(httpContext)), cancellationToken);
        return result.ToTokenResult(httpContext, time);
    }
}
