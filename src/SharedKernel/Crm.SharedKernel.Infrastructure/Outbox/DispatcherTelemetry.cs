using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>The "Crm.Events" activity source and meter: a span per delivery, counters of outcomes, and dispatch lag.</summary>
internal sealed class DispatcherTelemetry
{
    public const string Name = "Crm.Events";

    private static readonly ActivitySource Source = new(Name);

    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _parked;
    private readonly Histogram<double> _lag;

    public DispatcherTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _delivered = meter.CreateCounter<long>("crm.events.delivered", "{delivery}", "Deliveries a handler committed.");
        _retried = meter.CreateCounter<long>("crm.events.retried", "{delivery}", "Failed deliveries scheduled for another attempt.");
        _parked = meter.CreateCounter<long>("crm.events.parked", "{delivery}", "Deliveries given up after the last attempt.");
        _lag = meter.CreateHistogram<double>("crm.events.dispatch_lag", "s", "Time from an event occurring to a handler committing it.");
    }

    /// <summary>
    /// A consumer span for one delivery. It links to a context derived from the event id (the outbox keeps no trace
    /// context), so every delivery of the same event shares one linked trace id and can be found by it.
    /// </summary>
    public static Activity? StartDelivery(OutboxMessage message, string handler, DateTimeOffset startTime = default)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        message.EventId.TryWriteBytes(bytes, bigEndian: true, out _);
        var eventContext = new ActivityContext(
            ActivityTraceId.CreateFromBytes(bytes),
            ActivitySpanId.CreateFromBytes(bytes[8..]),
            ActivityTraceFlags.None,
            isRemote: true);

        var activity = Source.StartActivity(
            "crm.events deliver",
            ActivityKind.Consumer,
            parentContext: default,
            links: [new ActivityLink(eventContext)],
            startTime: startTime);
        activity?.SetTag("messaging.message.id", message.EventId.ToString("N"));
        activity?.SetTag("crm.event.type", message.EventType);
        activity?.SetTag("crm.event.sequence", message.Sequence);
        activity?.SetTag("crm.event.handler", handler);
        return activity;
    }

    /// <summary>A consumer span for a batch of events delivered to one handler in one commit.</summary>
    public static Activity? StartBatch(string handler, int events)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("crm.events deliver batch", ActivityKind.Consumer);
        activity?.SetTag("crm.event.handler", handler);
        activity?.SetTag("messaging.batch.message_count", events);
        return activity;
    }

    public void Delivered(OutboxMessage message, string handler, DateTimeOffset now)
    {
        var tags = Tags(message, handler);
        _delivered.Add(1, tags);
        _lag.Record(Math.Max(0, (now - message.OccurredAt).TotalSeconds), tags);
    }

    public void Retried(OutboxMessage message, string handler) => _retried.Add(1, Tags(message, handler));

    public void Parked(OutboxMessage message, string handler) => _parked.Add(1, Tags(message, handler));

    private static TagList Tags(OutboxMessage message, string handler) =>
        new() { { "crm.event.type", message.EventType }, { "crm.event.handler", handler } };
}
