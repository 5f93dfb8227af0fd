using System.Globalization;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Crm.Modules.Identity.Tokens;

/// <summary>How a request is authenticated: the Bearer handler checks Crm's access JWTs; <see cref="CrmAuthenticationSchemes.Default"/> picks it or the API key handler.</summary>
internal static class AccessTokenValidation
{
    public static IServiceCollection AddAccessTokenAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(CrmAuthenticationSchemes.Default)
            .AddPolicyScheme(CrmAuthenticationSchemes.Default, "Access token or API key", options =>
                options.ForwardDefaultSelector = SchemeOf)
            .AddJwtBearer(CrmAuthenticationSchemes.Bearer);

        services.AddOptions<JwtBearerOptions>(CrmAuthenticationSchemes.Bearer)
            .Configure<SigningKeys, IOptions<AuthOptions>>((bearer, keys, auth) =>
            {
                var jwt = auth.Value.Jwt;
                bearer.MapInboundClaims = false;
                bearer.IncludeErrorDetails = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidAlgorithms = [SigningKeys.Algorithm],
                    IssuerSigningKey = keys.ValidationKey,
                    ValidateIssuerSigningKey = true,
                    RequireSignedTokens = true,
                    ValidIssuer = jwt.Issuer,
                    ValidateIssuer = true,
                    ValidAudience = jwt.Audience,
                    ValidateAudience = true,
                    RequireExpirationTime = true,
                    ValidateLifetime = true,
                    ClockSkew = TimeSpan.FromSeconds(jwt.ClockSkewSeconds),
                    NameClaimType = CrmClaimTypes.Name,
                    RoleClaimType = CrmClaimTypes.Role,
                };
                bearer.Events = new JwtBearerEvents { OnTokenValidated = CheckUserAsync };
            });
        return services;
    }

    /// <summary>
    /// An API key header goes to the API key handler when one is registered; without one the request falls to
    /// Bearer, finds no token and is answered 401, rather than failing on a scheme that does not exist.
    /// </summary>
    private static string SchemeOf(HttpContext httpContext)
    {
        var headers = httpContext.Request.Headers;
        var hasKey = headers.ContainsKey(CrmAuthenticationSchemes.ApiKeyHeader)
            || headers.Authorization.ToString().StartsWith(CrmAuthenticationSchemes.ApiKey + " ", StringComparison.OrdinalIgnoreCase);
        return hasKey && httpContext.RequestServices.GetRequiredService<IOptions<AuthenticationOptions>>().Value.SchemeMap
            .ContainsKey(CrmAuthenticationSchemes.ApiKey)
            ? CrmAuthenticationSchemes.ApiKey
            : CrmAuthenticationSchemes.Bearer;
    }

    /// <summary>
    /// A valid signature is not enough: the user must still exist, not be disabled, and hold the security stamp the
    /// token was issued with (a role change or disable bumps it). Read from the store on every request, uncached,
    /// so a disable takes effect at once on every host instance.
    /// </summary>
    private static async Task CheckUserAsync(TokenValidatedContext context)
    {
        var principal = context.Principal;
        var userId = principal?.FindFirst(CrmClaimTypes.Subject)?.Value;
        var stamp = principal?.FindFirst(CrmClaimTypes.SecurityStamp)?.Value;
        if (userId is null || stamp is null || principal!.FindFirst(CrmClaimTypes.Kind)?.Value != CrmPrincipalKinds.User)
        {
            context.Fail("The token does not name a user.");
            return;
        }

        var store = context.HttpContext.RequestServices.GetRequiredService<IDocumentStore>();
        var session = store.OpenSession();
        User? user;
        await using (session.ConfigureAwait(false))
        {
            user = await session.LoadAsync<User>(userId, context.HttpContext.RequestAborted).ConfigureAwait(false);
        }

        if (user is null || user.Status == UserStatus.Disabled
            || !string.Equals(stamp, user.SecurityStamp.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            context.Fail("The token is no longer valid for this user.");
        }
    }
}
