using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Segments;

/// <summary>The Segments module's registrar: the one public type of the module, called by name from the host.</summary>
public static class SegmentsModule
{
    public static IServiceCollection AddSegmentsModule(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }
}
