using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Outbox;
using Crm.SharedKernel.Infrastructure.Sqlite;
using Crm.SharedKernel.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

/// <summary>
/// A real SQLite store on a file, the test modules and a dispatcher, composed as a host would. The dispatcher
/// runs only after <see cref="StartAsync"/>, so a test can commit first.
/// </summary>
internal sealed class DispatcherHarness : IAsyncDisposable
{
    /// <summary>Generous: the machine running the tests may be loaded. Only a hang waits this long.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ServiceProvider _services;
    private bool _started;

    public DispatcherHarness(
        string databasePath,
        Action<OutboxDispatcherOptions>? configure = null,
        Action<IServiceCollection>? modules = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSqliteDocumentStore(new SqliteStoreOptions { Path = databasePath });
        services.AddSingleton(Probe);
        services.AddCustomerModules();
        services.AddProbeOrderModule();
        modules?.Invoke(services);
        services.AddIntegrationEventDispatcher(options =>
        {
            options.PollInterval = TimeSpan.FromMilliseconds(25);
            options.BaseBackoff = TimeSpan.FromMilliseconds(20);
            options.MaxBackoff = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(options);
        });

        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public HandlerProbe Probe { get; } = new();

    public IServiceProvider Services => _services;

    public IDocumentStore Store => _services.GetRequiredService<IDocumentStore>();

    public IDeliveryMonitor Monitor => _services.GetRequiredService<IDeliveryMonitor>();

    internal IOutboxStore Outbox => _services.GetRequiredService<IOutboxStore>();

    internal EventDelivery Delivery => _services.GetRequiredService<EventDelivery>();

    internal IntegrationEventRegistry Registry => _services.GetRequiredService<IntegrationEventRegistry>();

    internal OutboxDispatcher Dispatcher => _services.GetServices<IHostedService>().OfType<OutboxDispatcher>().Single();

    public async Task StartAsync()
    {
        _started = true;
        await Dispatcher.StartAsync(CancellationToken.None);
    }

    public async Task StopAsync()
    {
        _started = false;
        using var timeout = new CancellationTokenSource(Patience);
        await Dispatcher.StopAsync(timeout.Token);
    }

    /// <summary>Renames a customer: the state change and its event in one commit.</summary>
    public async Task<CustomerRenamedIntegrationEvent> RenameAsync(string customerId)
    {
        await using var session = Store.OpenSession();
        var customer = await session.LoadAsync<TestCustomer>(customerId) ?? new TestCustomer { Id = customerId };
        customer.Revision++;
        var renamed = new CustomerRenamedIntegrationEvent(customerId, customer.Revision) { OccurredAt = TimeProvider.System.GetUtcNow() };
        session.Store(customer);
        session.Publish(renamed);
        await session.SaveChangesAsync();
        return renamed;
    }

    public async Task<IReadOnlyList<int>> RevisionsAsync<TLog>(string aggregateId)
        where TLog : ReceivedEvents
    {
        await using var session = Store.OpenSession();
        return (await session.LoadAsync<TLog>(aggregateId))?.Revisions ?? [];
    }

    public async Task<bool> OutboxIsEmptyAsync() => (await Outbox.ReadPendingAsync(1, CancellationToken.None)).Count == 0;

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await StopAsync();
        }

        await _services.DisposeAsync();
    }
}

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test when it never does within the harness's patience.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = TimeProvider.System.GetUtcNow() + DispatcherHarness.Patience;
        while (!await condition())
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                Assert.Fail($"Still not true after {DispatcherHarness.Patience.TotalSeconds:0} s: {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
