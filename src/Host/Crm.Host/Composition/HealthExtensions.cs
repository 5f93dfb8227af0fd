using Crm.Host.Health;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Crm.Host.Composition;

internal static class HealthExtensions
{
    internal const string ReadyTag = "ready";

    /// <summary>A dependency that has not answered by then counts as down; an orchestrator probe must not hang.</summary>
    internal static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Readiness checks: the document store always, Redis when ConnectionStrings:Redis is set.</summary>
    public static IServiceCollection AddCrmHealthChecks(this IServiceCollection services, IConfiguration configuration)
    {
        var checks = services.AddHealthChecks()
            .AddCheck<DocumentStoreHealthCheck>("store", HealthStatus.Unhealthy, [ReadyTag], CheckTimeout);
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis")))
        {
            checks.AddCheck<RedisHealthCheck>("redis", HealthStatus.Unhealthy, [ReadyTag], CheckTimeout);
        }

        return services;
    }

    /// <summary>/health/live: the process answers (no checks). /health/ready: every readiness check, 503 if any fails.</summary>
    public static WebApplication MapCrmHealthChecks(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).AllowAnonymousBecause("liveness probe: says only that the process answers");
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).AllowAnonymousBecause("readiness probe for orchestrators: reports dependency status, no data");
        return app;
    }
}
