using Crm.Modules.Identity.Tokens;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.SignIn;

/// <summary>The sign-in routes under /api/v1/auth, and what they answer.</summary>
internal static class AuthApi
{
    public const string Tag = "Auth";

    public static RouteGroupBuilder Group(IEndpointRouteBuilder app) => app.MapGroup("/auth").WithTags(Tag);

    /// <summary>One answer for every failed sign-in, whatever the reason, so that it tells nobody whether an account exists.</summary>
    public static readonly Error InvalidCredentials =
        Error.Unauthorized("auth.invalid_credentials", "The email or password is not right, or this account cannot sign in now.");

    /// <summary>Tokens as the client receives them; <c>expiresIn</c> in seconds as OAuth clients expect.</summary>
    public static TokenResponse ToResponse(this TokenPair pair, DateTimeOffset now) => new(
        pair.AccessToken,
        "Bearer",
        (long)Math.Max(0, (pair.AccessTokenExpiresAt - now).TotalSeconds),
        pair.AccessTokenExpiresAt,
        pair.RefreshToken,
        pair.RefreshTokenExpiresAt);

    /// <summary>The answer of a sign-in, setup or refresh: 200 with tokens, or a problem (401 carries WWW-Authenticate).</summary>
    public static IResult ToTokenResult(this Result<TokenPair> result, HttpContext httpContext, TimeProvider time)
    {
        if (result.Error is { Kind: ErrorKind.Unauthorized })
        {
            httpContext.Response.Headers.WWWAuthenticate = "Bearer";
        }

        return result.ToHttpResult(pair =>
        {
            httpContext.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(pair.ToResponse(time.GetUtcNow()));
        });
    }

    public static string? ClientAddress(HttpContext httpContext) => httpContext.Connection.RemoteIpAddress?.ToString();
}

internal sealed record TokenResponse(
    string AccessToken,
    string TokenType,
    long ExpiresIn,
    DateTimeOffset AccessTokenExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt);
