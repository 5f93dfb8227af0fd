using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

public sealed class TelemetryTests : EventDatabaseFixture
{
    [Test]
    public async Task Deliveries_retries_and_parkings_are_counted_and_traced_per_event()
    {
        await using var harness = new DispatcherHarness(DatabasePath, o => o.MaxAttempts = 2);
        var meter = harness.Services.GetRequiredService<IMeterFactory>().Create(DispatcherTelemetry.Name);
        var measured = new ConcurrentDictionary<string, double>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        meters.SetMeasurementEventCallback<double>((instrument, _, _, _) => measured.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1));
        meters.Start();

        var spans = new ConcurrentBag<Activity>();
        using var traces = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DispatcherTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(traces);

        harness.Probe.BeforeHandle = (handler, e) =>
            handler == TestModules.Segments && e.AggregateId == "customer-1"
                ? throw new InvalidOperationException("rejected")
                : Task.CompletedTask;
        var failing = await harness.RenameAsync("customer-1");
        var fine = await harness.RenameAsync("customer-2");

        await harness.StartAsync();
        await Eventually.HoldsAsync(async () => (await harness.Monitor.ParkedAsync()).Count == 1, "the failing delivery is parked");
        await harness.StopAsync();

        Assert.That(measured.GetValueOrDefault("crm.events.delivered"), Is.EqualTo(3), "three of the four deliveries succeeded");
        Assert.That(measured.GetValueOrDefault("crm.events.retried"), Is.EqualTo(1));
        Assert.That(measured.GetValueOrDefault("crm.events.parked"), Is.EqualTo(1));
        Assert.That(measured.GetValueOrDefault("crm.events.dispatch_lag"), Is.EqualTo(3), "a lag per delivery");

        var ours = spans.Where(s => s.GetTagItem("messaging.message.id") is string id
            && (id == failing.EventId.ToString("N") || id == fine.EventId.ToString("N"))).ToList();
        Assert.That(ours, Has.Count.EqualTo(5), "one span per delivery attempt");
        Assert.That(ours.Where(s => s.Status == ActivityStatusCode.Error).ToList(), Has.Count.EqualTo(2));
        var linked = ours.Where(s => s.GetTagItem("messaging.message.id") as string == failing.EventId.ToString("N"))
            .Select(s => s.Links.Single().Context.TraceId)
            .Distinct();
        Assert.That(linked.Count(), Is.EqualTo(1), "every delivery of one event links to the same trace");
    }
}
