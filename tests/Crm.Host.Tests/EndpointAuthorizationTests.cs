using System.Net;
using Carter;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Crm.Host.Tests;

/// <summary>
/// Every mapped endpoint declares who may call it. Anonymous access is allowed only for the endpoints listed in
/// <see cref="PublicEndpoints"/>, each with its reason: a new public endpoint fails here until it is added there.
/// </summary>
public sealed class EndpointAuthorizationTests
{
    /// <summary>"METHODS route" of each endpoint open to anonymous callers, and why that is acceptable.</summary>
    private static readonly Dictionary<string, string> PublicEndpoints = new(StringComparer.Ordinal)
    {
        ["* /health/live"] = "orchestrator liveness probe; answers no data",
        ["* /health/ready"] = "orchestrator readiness probe; statuses and our own descriptions only, never exception text",
        ["GET /openapi/{documentName}.json"] = "the API's description, which the reference page reads; it holds no data",
        ["GET /docs/{documentName?}"] = "the API reference page",
        ["GET /docs/scalar.js"] = "the API reference page's script",
        ["GET /docs/scalar.aspnetcore.js"] = "the API reference page's script",
        ["GET /docs/favicon.svg"] = "the API reference page's icon",
        ["GET,HEAD /{*path:nonfile}"] = "the web app's page; it signs the user in itself and holds no data",
        ["* /api/v1/{**path}"] = "answers 404 for unknown API routes, so they never fall through to the web app",
        ["POST /api/v1/auth/login"] = "sign-in itself: the sign-in rate limit per client address, and lockout",
        ["POST /api/v1/auth/google"] = "sign-in with a Google ID token, whose signature, audience and expiry are checked; the sign-in rate limit",
        ["POST /api/v1/auth/invitations/accept"] = "an invited person has no credentials yet: a one-time invitation code; the sign-in rate limit",
        ["POST /api/v1/auth/refresh"] = "the refresh token is the credential: single use, reuse revokes its family; the sign-in rate limit",
        ["POST /api/v1/auth/setup"] = "first-admin setup: a one-time code from the log, only while no user exists, the sign-in rate limit",
        ["GET /api/v1/auth/setup"] = "the first-admin setup page: holds nothing, 404 once a user exists; the one-time code protects the setup; the sign-in rate limit",
        ["GET /api/v1/auth/setup/setup.js"] = "the setup page's static script; holds nothing; the sign-in rate limit",
    };

    [Test]
    public async Task Every_endpoint_requires_a_policy_or_is_public_on_the_explicit_list_with_its_reason()
    {
        await using var factory = WithWebApp(new CrmHostFactory());
        using var client = factory.CreateClient();
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.That(endpoints, Is.Not.Empty);

        var undeclared = new List<string>();
        var unexplained = new List<string>();
        var open = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            var name = NameOf(endpoint);
            var metadata = endpoint.Metadata;
            if (metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                if (metadata.GetMetadata<PublicEndpoint>() is { } declared)
                {
                    open[name] = declared.Reason;
                }
                else
                {
                    unexplained.Add(name);
                }
            }
            else if (metadata.GetMetadata<PublicEndpoint>() is { } declared)
            {
                open[name] = declared.Reason;
            }
            else if (metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0 && metadata.GetMetadata<AuthorizationPolicy>() is null)
            {
                undeclared.Add(name);
            }
        }

        var unlisted = open.Keys.Except(PublicEndpoints.Keys).ToList();
        var stale = PublicEndpoints.Keys.Except(open.Keys).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(undeclared, Is.Empty,
                "these endpoints declare no policy: add RequirePermission, RequireSignedIn or AllowAnonymousBecause:\n" + Lines(undeclared));
            Assert.That(unexplained, Is.Empty,
                "these endpoints allow anonymous callers without AllowAnonymousBecause and a reason:\n" + Lines(unexplained));
            Assert.That(unlisted, Is.Empty,
                "these endpoints are public but not on EndpointAuthorizationTests.PublicEndpoints: add each with its reason, or protect it:\n"
                + Lines(unlisted));
            Assert.That(stale, Is.Empty, "these listed public endpoints are no longer mapped as public: take them off the list:\n" + Lines(stale));
        });
    }

    [Test]
    public async Task An_anonymous_call_to_a_protected_endpoint_is_a_401_problem()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateAnonymousClient();

        using var response = await client.GetAsync(new Uri("/api/v1/customers", UriKind.Relative));

        await response.ReadProblemAsync(401);
    }

    [Test]
    public async Task An_endpoint_that_declares_nothing_is_denied_by_the_fallback_policy_even_to_an_admin()
    {
        await using var factory = new CrmHostFactory()
            .WithTestServices(services => services.AddSingleton<ICarterModule, UndeclaredEndpoint>());
        using var client = factory.CreateAnonymousClient();

        using var response = await client.GetAsync(new Uri("/api/v1/undeclared", UriKind.Relative));

        await response.ReadProblemAsync(401);
        using var admin = factory.CreateClient();
        using var signedIn = await admin.GetAsync(new Uri("/api/v1/undeclared", UriKind.Relative));
        await signedIn.ReadProblemAsync(403);
        var fallback = factory.Services.GetRequiredService<IOptions<AuthorizationOptions>>().Value.FallbackPolicy;
        Assert.That(fallback, Is.Not.Null, "an endpoint without declarations falls back to a policy that refuses everyone");
    }

    private static string Lines(IEnumerable<string> names) => string.Join("\n", names.Order(StringComparer.Ordinal));

    /// <summary>With a built web app, so that its fallback endpoints are mapped and checked too.</summary>
    private static CrmHostFactory WithWebApp(CrmHostFactory factory)
    {
        var webRoot = Directory.CreateDirectory(Path.Combine(factory.Folder, "wwwroot")).FullName;
        File.WriteAllText(Path.Combine(webRoot, "index.html"), "<!doctype html><title>Crm</title><div id=root></div>");
        return factory.WithSetting("webroot", webRoot);
    }

    private static string NameOf(RouteEndpoint endpoint)
    {
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
        var verbs = methods is { Count: > 0 } ? string.Join(",", methods.Order(StringComparer.Ordinal)) : "*";
        var route = endpoint.RoutePattern.RawText ?? "";
        return $"{verbs} {(route.StartsWith('/') ? route : "/" + route)}";
    }

    /// <summary>An endpoint that says nothing about who may call it, as a forgetful module would map it.</summary>
    private sealed class UndeclaredEndpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) => app.MapGet("/undeclared", () => TypedResults.Ok("should not be reachable"));
    }
}
