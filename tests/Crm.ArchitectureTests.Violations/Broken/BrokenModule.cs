using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Broken;

/// <summary>A well-formed registrar, so the rules can be seen to accept it while rejecting the types around it.</summary>
public static class BrokenModule
{
    public static IServiceCollection AddBrokenModule(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }
}
