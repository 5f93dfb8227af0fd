using Crm.Modules.Broken;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.HostLike;

/// <summary>Stands for a host that composes one module by name and forgets the other.</summary>
public static class Composition
{
    public static IServiceCollection Compose(IServiceCollection services, IConfiguration configuration) =>
        services.AddBrokenModule(configuration);
}
