using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.SharedKernel.Events;

/// <summary>One subscription: a handler of one event type, invoked through a typed delegate (no reflection per event).</summary>
public sealed record IntegrationEventSubscription(
    Type EventType,
    Type HandlerType,
    Func<IServiceProvider, IIntegrationEvent, IDocumentSession, CancellationToken, Task> Invoke)
{
    /// <summary>The stable name recorded in the inbox.</summary>
    public string HandlerName => HandlerType.FullName!;
}

/// <summary>Every event type and subscription declared by the modules at start-up.</summary>
public sealed class IntegrationEventRegistry
{
    private readonly Dictionary<string, Type> _eventTypes = [];
    private readonly List<IntegrationEventSubscription> _subscriptions = [];

    public IReadOnlyList<IntegrationEventSubscription> Subscriptions => _subscriptions;

    /// <summary>The name an event type is written under in the outbox.</summary>
    public static string NameOf(Type eventType) => eventType.FullName!;

    public void AddEventType(Type eventType) => _eventTypes[NameOf(eventType)] = eventType;

    public Type? FindEventType(string name) => _eventTypes.GetValueOrDefault(name);

    public IEnumerable<IntegrationEventSubscription> SubscriptionsFor(Type eventType) =>
        _subscriptions.Where(s => s.EventType.IsAssignableFrom(eventType));

    public void Add(IntegrationEventSubscription subscription)
    {
        AddEventType(subscription.EventType);
        _subscriptions.Add(subscription);
    }
}

public static class IntegrationEventServiceCollectionExtensions
{
    /// <summary>Subscribes <typeparamref name="THandler"/> (scoped) to <typeparamref name="TEvent"/>.</summary>
    public static IServiceCollection AddIntegrationEventHandler<TEvent, THandler>(this IServiceCollection services)
        where TEvent : IIntegrationEvent
        where THandler : class, IIntegrationEventHandler<TEvent>
    {
        services.AddScoped<THandler>();
        GetRegistry(services).Add(new IntegrationEventSubscription(
            typeof(TEvent),
            typeof(THandler),
            (provider, integrationEvent, session, cancellationToken) =>
                provider.GetRequiredService<THandler>().HandleAsync((TEvent)integrationEvent, session, cancellationToken)));
        return services;
    }

    /// <summary>Declares an event type a module publishes, so the dispatcher can read it back from the outbox.</summary>
    public static IServiceCollection AddIntegrationEvent<TEvent>(this IServiceCollection services)
        where TEvent : IIntegrationEvent
    {
        GetRegistry(services).AddEventType(typeof(TEvent));
        return services;
    }

    private static IntegrationEventRegistry GetRegistry(IServiceCollection services)
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(IntegrationEventRegistry))?.ImplementationInstance;
        if (existing is IntegrationEventRegistry registry)
        {
            return registry;
        }

        registry = new IntegrationEventRegistry();
        services.AddSingleton(registry);
        return registry;
    }
}
