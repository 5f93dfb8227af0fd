using System.Diagnostics;
using System.Diagnostics.Metrics;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Mediation;
using Microsoft.Extensions.Logging;

namespace Crm.Host.Tests.Mediation;

[NonParallelizable]
public sealed class TelemetryBehaviorTests
{
    [Test]
    public async Task A_request_gets_a_span_named_after_its_type_a_duration_and_a_log_line_without_its_content()
    {
        using var recorder = new TelemetryRecorder();
        var logs = new ListLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var behavior = new TelemetryBehavior<CreateProbe, Result<string>>(loggerFactory, TimeProvider.System);

        await behavior.Handle(
            new CreateProbe("ada@example.com", 36, new ProbeAddress("SW1A 1AA")),
            (_, _) => ValueTask.FromResult(Result.Success("done")),
            CancellationToken.None);

        var span = recorder.Spans.Single(s => s.DisplayName == nameof(CreateProbe));
        Assert.That(span.GetTagItem("crm.request.outcome"), Is.EqualTo("success"));
        var measurement = recorder.Durations.Single(m => Equals(m.Tags["crm.request.type"], nameof(CreateProbe)));
        Assert.That(measurement.Tags["crm.request.outcome"], Is.EqualTo("success"));
        Assert.That(measurement.Value, Is.GreaterThanOrEqualTo(0));

        var line = logs.Messages.Single();
        Assert.That(line, Does.Contain(nameof(CreateProbe)).And.Contain(" ms"));
        Assert.That(line, Does.Not.Contain("ada@example.com"));
    }

    [Test]
    public async Task A_failed_result_is_recorded_as_a_failure_and_a_validation_failure_as_invalid()
    {
        using var recorder = new TelemetryRecorder();
        using var loggerFactory = LoggerFactory.Create(_ => { });
        var behavior = new TelemetryBehavior<DeleteProbe, Result>(loggerFactory, TimeProvider.System);

        await behavior.Handle(new DeleteProbe("x"), (_, _) => ValueTask.FromResult(Result.Failure(Error.NotFound("probes.not_found", "gone"))), CancellationToken.None);
        await behavior.Handle(new DeleteProbe(""), (_, _) => ValueTask.FromResult(Result.Failure(Error.InvalidField("id", "'Id' must not be empty."))), CancellationToken.None);

        var outcomes = recorder.Durations.Where(m => Equals(m.Tags["crm.request.type"], nameof(DeleteProbe))).Select(m => m.Tags["crm.request.outcome"]);
        Assert.That(outcomes, Is.EqualTo(new[] { "failure", "invalid" }));
    }

    [Test]
    public async Task A_throwing_handler_is_recorded_as_an_exception_and_the_exception_still_propagates()
    {
        using var recorder = new TelemetryRecorder();
        using var loggerFactory = LoggerFactory.Create(_ => { });
        var behavior = new TelemetryBehavior<RenameProbe, string>(loggerFactory, TimeProvider.System);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await behavior.Handle(new RenameProbe("x"), (_, _) => throw new InvalidOperationException("no customer ada@example.com"), CancellationToken.None));

        var span = recorder.Spans.Single(s => s.DisplayName == nameof(RenameProbe));
        Assert.That(span.Status, Is.EqualTo(ActivityStatusCode.Error));
        Assert.That(span.GetTagItem("error.type"), Is.EqualTo(typeof(InvalidOperationException).FullName));
        var exported = span.Tags.Select(t => t.Value)
            .Concat(span.Events.SelectMany(e => e.Tags).Select(t => t.Value?.ToString()));
        Assert.That(exported, Has.None.Contains("ada@example.com"), "spans leave the process: no exception message on them");
        Assert.That(recorder.Durations.Single(m => Equals(m.Tags["crm.request.type"], nameof(RenameProbe))).Tags["crm.request.outcome"], Is.EqualTo("exception"));
    }

    private sealed record Measurement(double Value, Dictionary<string, object?> Tags);

    /// <summary>Listens to the "Crm.Mediator" source and meter the way an OpenTelemetry exporter would.</summary>
    private sealed class TelemetryRecorder : IDisposable
    {
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters = new();

        public TelemetryRecorder()
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == MediatorTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    lock (Spans)
                    {
                        Spans.Add(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(_activities);
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MediatorTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            {
                var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var tag in tags)
                {
                    copy[tag.Key] = tag.Value;
                }

                lock (Durations)
                {
                    Durations.Add(new Measurement(value, copy));
                }
            });
            _meters.Start();
        }

        public List<Activity> Spans { get; } = [];

        public List<Measurement> Durations { get; } = [];

        public void Dispose()
        {
            _activities.Dispose();
            _meters.Dispose();
        }
    }
}

internal sealed class ListLoggerProvider : ILoggerProvider
{
    public List<string> Messages { get; } = [];

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (provider.Messages)
            {
                provider.Messages.Add(formatter(state, exception));
            }
        }
    }
}
