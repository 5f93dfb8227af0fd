using System.Collections.Concurrent;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Crm.Host.Composition;

/// <summary>
/// Authorization for every endpoint. The Identity module registers authentication (access JWTs, and API keys);
/// here: a policy per permission, "signed in" as the default policy, and a fallback that denies any mapped endpoint
/// which declared nothing. 401 and 403 become problem details through the host's status code pages
/// (<see cref="ProblemDetailsApplicationBuilderExtensions.UseCrmProblemDetails"/>); the Bearer handler adds
/// WWW-Authenticate to a 401.
/// </summary>
internal static class AuthExtensions
{
    public static IServiceCollection AddCrmAuth(this IServiceCollection services)
    {
        services.AddAuthorization(options =>
        {
            options.DefaultPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();

            // A mapped endpoint without RequirePermission, RequireSignedIn or AllowAnonymousBecause is refused to
            // everyone. A request that matched no mapped route (a 404, or the framework's 405 endpoint, which is not
            // a RouteEndpoint) passes, so that it is answered as what it is.
            options.FallbackPolicy = new AuthorizationPolicyBuilder()
                .RequireAssertion(context => context.Resource is HttpContext httpContext && httpContext.GetEndpoint() is not RouteEndpoint)
                .Build();
        });
        services.AddSingleton<IAuthorizationPolicyProvider, PermissionPolicyProvider>();
        services.Replace(ServiceDescriptor.Singleton<IIdempotencyScope, CallerIdempotencyScope>());
        services.Configure<OpenApiOptions>(OpenApiDocumentName, options => options
            .AddDocumentTransformer(DescribeBearerScheme)
            .AddOperationTransformer(RequireBearerWhereDeclared));
        return services;
    }

    private const string OpenApiDocumentName = "v1";

    /// <summary>The API reference shows how to authenticate, so its "try it" can send a token.</summary>
    private static Task DescribeBearerScheme(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[CrmAuthenticationSchemes.Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The access token from POST /api/v1/auth/login (see docs/identity.md).",
        };
        return Task.CompletedTask;
    }

    /// <summary>Operations that require a caller say so; the public ones (AllowAnonymousBecause) do not.</summary>
    private static Task RequireBearerWhereDeclared(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(CrmAuthenticationSchemes.Bearer, context.Document)] = [],
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// After routing and the web app's static files, before the API and its idempotency handling. The rate limiter
    /// sits between the two: it partitions by the authenticated caller, and limits an anonymous flood of protected
    /// endpoints per client address before authorization answers it with 401.
    /// </summary>
    public static WebApplication UseCrmAuth(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseCrmRateLimiting();
        app.UseAuthorization();
        return app;
    }
}

/// <summary>Builds <c>permission:x</c> policies on demand: a signed-in caller holding the <c>perm</c> claim x.</summary>
internal sealed class PermissionPolicyProvider(IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
{
    private readonly ConcurrentDictionary<string, AuthorizationPolicy> _policies = new(StringComparer.Ordinal);

    public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        ArgumentNullException.ThrowIfNull(policyName);
        if (policyName.StartsWith(Permissions.PolicyPrefix, StringComparison.Ordinal)
            && Permissions.IsKnown(policyName[Permissions.PolicyPrefix.Length..]))
        {
            return _policies.GetOrAdd(policyName, name => new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser()
                .RequireClaim(CrmClaimTypes.Permission, name[Permissions.PolicyPrefix.Length..])
                .Build());
        }

        return await base.GetPolicyAsync(policyName).ConfigureAwait(false);
    }
}

/// <summary>Idempotency keys are per caller (user or API key id), so one caller can never replay another's response.</summary>
internal sealed class CallerIdempotencyScope : IIdempotencyScope
{
    public string ScopeOf(HttpContext httpContext) => httpContext.User.SubjectId() ?? string.Empty;
}
