using System.Net;
using Carter;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.RateLimiting;

/// <summary>Endpoints under /api/v1/rate-probe that opt into the named policies, the way sign-in and bulk endpoints do.</summary>
internal sealed class RateLimitProbeEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var probe = app.MapGroup("/rate-probe").AllowAnonymousBecause("test probe of the rate limits");
        probe.MapPost("/sign-in", () => TypedResults.NoContent()).RequireRateLimiting(RateLimitPolicies.SignIn);
        probe.MapPost("/bulk", () => TypedResults.NoContent()).RequireRateLimiting(RateLimitPolicies.Bulk);
        probe.MapGet("/plain", () => TypedResults.NoContent());
    }
}

/// <summary>
/// Gives each test request the client address named in <see cref="Header"/>, as a network peer would have it, so one
/// test can call from several addresses. Runs before the host's own middleware (forwarded headers included).
/// </summary>
internal sealed class ClientAddressStartupFilter : IStartupFilter
{
    public const string Header = "X-Test-Peer-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var address))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}

internal static class RateLimitTestHosts
{
    /// <summary>A host with the probes, peer addresses from the test header, and the given settings.</summary>
    public static CrmHostFactory WithRateLimitProbes(this CrmHostFactory factory) =>
        factory.WithTestServices(services =>
        {
            services.AddSingleton<ICarterModule, RateLimitProbeEndpoints>();
            services.AddSingleton<IStartupFilter, ClientAddressStartupFilter>();
        });

    public static async Task<HttpResponseMessage> SendFromAsync(this HttpClient client, HttpMethod method, string path, string? peerAddress = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (peerAddress is not null)
        {
            request.Headers.Add(ClientAddressStartupFilter.Header, peerAddress);
        }

        return await client.SendAsync(request);
    }
}
