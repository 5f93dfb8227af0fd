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

/// <summary>
/// Prepares the store when the host starts. A server that is not a replica set stops the host with the reason: it
/// cannot be fixed by waiting. A server that does not answer yet (it may be starting beside the host) is logged, and
/// the store tries again on first use; until then reads and writes fail as unavailable (503) and readiness says so.
/// </summary>
internal sealed partial class MongoStoreStartup(MongoDocumentStore store, ILogger<MongoStoreStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.EnsureStartedAsync(cancellationToken);
        }
        catch (StoreUnavailableException ex) when (ex.InnerException is not null)
        {
            LogNotReady(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "MongoDB store not ready at start; it will try again on first use: {Reason}")]
    private static partial void LogNotReady(ILogger logger, string reason);
}
