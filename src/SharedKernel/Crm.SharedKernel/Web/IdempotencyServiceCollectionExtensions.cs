using Crm.SharedKernel.Documents;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Crm.SharedKernel.Web;

public static class IdempotencyServiceCollectionExtensions
{
    /// <summary>
    /// The <c>crm.idempotency</c> collection, options (section <c>Idempotency</c>), the caller scope (shared until
    /// authentication replaces <see cref="IIdempotencyScope"/>) and the sweep of expired keys. Pair with
    /// <see cref="UseCrmIdempotency"/>.
    /// </summary>
    public static IServiceCollection AddCrmIdempotency(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection("Idempotency"));
        services.TryAddSingleton<IIdempotencyScope, SharedIdempotencyScope>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddDocumentCollection<IdempotencyRecord>(IdempotencyRecord.CollectionName, c => c.Index(r => r.ExpiresAt));
        services.AddSingleton<IdempotencySweeper>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<IdempotencySweeper>());
        return services;
    }

    /// <summary>Must run after routing (so endpoint size limits apply to the buffering) and inside the exception handler.</summary>
    public static IApplicationBuilder UseCrmIdempotency(this IApplicationBuilder app) => app.UseMiddleware<IdempotencyMiddleware>();
}
