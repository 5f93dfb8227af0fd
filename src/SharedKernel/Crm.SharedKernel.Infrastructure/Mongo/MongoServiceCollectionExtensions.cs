using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crm.SharedKernel.Infrastructure.Mongo;

public static class MongoServiceCollectionExtensions
{
    /// <summary>
    /// Registers the MongoDB engine as <see cref="IDocumentStore"/> and as the outbox the dispatcher reads. Collections
    /// and indexes are created when the host starts (and, without a host, on first use).
    /// </summary>
    public static IServiceCollection AddMongoDocumentStore(this IServiceCollection services, MongoStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new MongoDocumentStore(
            provider.GetService<DocumentModel>() ?? new DocumentModel(),
            options,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        services.AddSingleton<IDocumentStore>(provider => provider.GetRequiredService<MongoDocumentStore>());
        services.AddSingleton<IOutboxStore>(provider => provider.GetRequiredService<MongoDocumentStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MongoStoreStartup>());
        return services;
    }
}

/// <summary>Creates collections and indexes at host start, so a wrong server or a standalone server stops the host with a clear error.</summary>
internal sealed class MongoStoreStartup(MongoDocumentStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.EnsureStartedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
