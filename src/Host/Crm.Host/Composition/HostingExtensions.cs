using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.Host.Composition;

internal static class HostingExtensions
{
    /// <summary>
    /// Long enough for the event dispatcher to finish the batch it holds when a stop is requested, short enough
    /// for an orchestrator's grace period. Host:ShutdownTimeout overrides it.
    /// </summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddCrmHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.Configure<HostOptions>(options =>
            options.ShutdownTimeout = configuration.GetValue("Host:ShutdownTimeout", DefaultShutdownTimeout));
        return services;
    }
}
