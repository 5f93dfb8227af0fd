using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Crm.Host.Tests;

public sealed class ShutdownTests
{
    [Test]
    public async Task The_shutdown_timeout_defaults_to_thirty_seconds()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateClient();

        var options = factory.Services.GetRequiredService<IOptions<HostOptions>>().Value;

        Assert.That(options.ShutdownTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public async Task The_host_stops_within_the_configured_timeout_even_when_a_service_would_wait_forever()
    {
        var stubborn = new StubbornService();
        var factory = new CrmHostFactory()
            .WithSetting("Host:ShutdownTimeout", "00:00:02")
            // Registered first so it is stopped last: under WebApplicationFactory both the factory and the app's own
            // Run() stop the host, and whichever finishes first disposes it; services stopped after the stubborn
            // one would then be stopped again once already disposed, which production never does.
            .WithTestServices(services => services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(stubborn)));
        using (var client = factory.CreateClient())
        {
            using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        }

        var stopping = Stopwatch.StartNew();
        await factory.DisposeAsync();
        stopping.Stop();

        Assert.That(stubborn.StopWasCancelled, Is.True, "the stop token fires when the timeout elapses");
        Assert.That(stopping.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "the host does not hang past its timeout");
    }

    /// <summary>Stands in for a dispatcher stuck on a batch: its stop returns only when the host gives up on it.</summary>
    private sealed class StubbornService : IHostedService
    {
        public bool StopWasCancelled { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                StopWasCancelled = true;
            }
        }
    }
}
