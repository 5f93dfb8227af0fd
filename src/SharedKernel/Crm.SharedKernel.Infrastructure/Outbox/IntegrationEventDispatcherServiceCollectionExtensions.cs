using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

// Beside AddDocumentStore: the registration entry points share one namespace.
namespace Crm.SharedKernel.Infrastructure;

public static class IntegrationEventDispatcherServiceCollectionExtensions
{
    /// <summary>
    /// Adds the outbox dispatcher (a hosted service), the inbox and the delivery ledger (<c>crm.inbox</c>,
    /// <c>crm.deliveries</c>), and <see cref="IDeliveryMonitor"/>. The document store is registered separately.
    /// </summary>
    public static IServiceCollection AddIntegrationEventDispatcher(
        this IServiceCollection services,
        Action<OutboxDispatcherOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<OutboxDispatcherOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.PostConfigure(o => o.Validate());

        // Modules that subscribe later find this instance and add to it.
        services.TryAddSingleton(new IntegrationEventRegistry());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton<DispatcherTelemetry>();
        services.TryAddSingleton<EventDelivery>();
        services.TryAddSingleton<DeliveryLedger>();
        services.TryAddSingleton<IDeliveryMonitor, DeliveryMonitor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OutboxDispatcher>());

        services.AddDocumentCollection<InboxRecord>(InboxRecord.CollectionName);
        services.AddDocumentCollection<DeliveryRecord>(DeliveryRecord.CollectionName, c => c
            .Index(d => d.Status)
            .Index(d => d.AggregateId)
            .Index(d => d.QueueKey)
            .Index(d => d.NextAttemptAt)
            .Index(d => d.Sequence));
        return services;
    }
}
