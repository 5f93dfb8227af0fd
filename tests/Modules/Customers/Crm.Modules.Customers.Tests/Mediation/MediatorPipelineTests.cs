using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Crm.Modules.Customers.Features.ListCustomers;
using Crm.Modules.Customers.Tests.Support;
using Crm.SharedKernel.Mediation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers.Tests.Mediation;

/// <summary>The generated mediator of the real host runs the module's requests through telemetry and validation.</summary>
[NonParallelizable]
public sealed class MediatorPipelineTests : HostFixture
{
    [Test]
    public async Task An_invalid_create_over_http_is_stopped_by_validation_with_field_errors_and_recorded_by_telemetry_as_invalid()
    {
        using var telemetry = new PipelineRecorder();

        using var response = await Client.PostAsync(CustomerRequests.Path, CustomerRequests.Json("""{"email": "nope", "profile": {"age": -1}}"""));

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors("email"), Is.EqualTo(new[] { "is not a valid email address" }));
        Assert.That(problem.FieldErrors("profile.age"), Is.EqualTo(new[] { "must be between 0 and 150" }));
        Assert.That(telemetry.Outcomes("CreateCustomer"), Is.EqualTo(new[] { "invalid" }));
        Assert.That(telemetry.Spans("CreateCustomer").Single().GetTagItem("crm.request.outcome"), Is.EqualTo("invalid"));
    }

    [Test]
    public async Task A_valid_create_over_http_passes_validation_and_is_recorded_as_a_success()
    {
        using var telemetry = new PipelineRecorder();

        await Client.CreateAsync();

        Assert.That(telemetry.Outcomes("CreateCustomer"), Is.EqualTo(new[] { "success" }));
    }

    [Test]
    public async Task A_request_sent_through_isender_gets_a_failed_result_naming_the_field_instead_of_its_handler_running()
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();

        var result = await sender.Send(new ListCustomers(null, null, null, null, null, "shoe-size", "0", null));

        Assert.That(result.IsFailure, Is.True);
        Assert.That(result.Error!.FieldErrors!.Keys, Is.EquivalentTo(new[] { "sort", "limit" }));
    }

    private sealed class PipelineRecorder : IDisposable
    {
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters = new();
        private readonly ConcurrentQueue<Activity> _spans = new();
        private readonly ConcurrentQueue<(string Type, string Outcome)> _durations = new();

        public PipelineRecorder()
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == MediatorTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _spans.Enqueue,
            };
            ActivitySource.AddActivityListener(_activities);
            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MediatorTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                string? type = null, outcome = null;
                foreach (var tag in tags)
                {
                    type = tag.Key == "crm.request.type" ? tag.Value as string : type;
                    outcome = tag.Key == "crm.request.outcome" ? tag.Value as string : outcome;
                }

                _durations.Enqueue((type ?? "", outcome ?? ""));
            });
            _meters.Start();
        }

        public IEnumerable<Activity> Spans(string requestType) => _spans.Where(s => s.DisplayName == requestType);

        public IEnumerable<string> Outcomes(string requestType) => _durations.Where(d => d.Type == requestType).Select(d => d.Outcome);

        public void Dispose()
        {
            _activities.Dispose();
            _meters.Dispose();
        }
    }
}
