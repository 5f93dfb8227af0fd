using System.Collections.Concurrent;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Tests.CrashProbe;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.SharedKernel.Tests.Events;

/// <summary>The publisher's state: a customer whose renames the other modules hear about.</summary>
public sealed class TestCustomer : IDocument
{
    public string Id { get; set; } = "";

    public long Version { get; set; }

    public int Revision { get; set; }
}

public sealed record CustomerRenamedIntegrationEvent(string CustomerId, int Revision) : IntegrationEvent
{
    public override string AggregateId => CustomerId;
}

/// <summary>What a subscribing module kept of the events it handled, in the order it handled them.</summary>
public abstract class ReceivedEvents : IDocument
{
    public string Id { get; set; } = "";

    public long Version { get; set; }

    public List<int> Revisions { get; set; } = [];

    public List<string> EventIds { get; set; } = [];
}

public sealed class SegmentsAudienceProfile : ReceivedEvents;

public sealed class CampaignsRecipient : ReceivedEvents;

public sealed class ProbeOrderLog : ReceivedEvents;

/// <summary>
/// Watches and steers the test handlers: every call is counted, and <see cref="BeforeHandle"/> may make a call
/// throw or wait.
/// </summary>
public sealed class HandlerProbe
{
    private readonly ConcurrentDictionary<(string Handler, Guid EventId), int> _calls = new();

    public Func<string, IIntegrationEvent, Task>? BeforeHandle { get; set; }

    public int CallsOf(string handler, Guid eventId) => _calls.GetValueOrDefault((handler, eventId));

    internal async Task EnterAsync(string handler, IIntegrationEvent integrationEvent)
    {
        _calls.AddOrUpdate((handler, integrationEvent.EventId), 1, (_, calls) => calls + 1);
        if (BeforeHandle is { } before)
        {
            await before(handler, integrationEvent);
        }
    }
}

/// <summary>A module's handler that records each event in its own collection, with the session the dispatcher gave it.</summary>
public abstract class RecordingIntegrationEventHandler<TEvent, TLog>(HandlerProbe probe) : IIntegrationEventHandler<TEvent>
    where TEvent : IIntegrationEvent
    where TLog : ReceivedEvents, new()
{
    public async Task HandleAsync(TEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        await probe.EnterAsync(GetType().FullName!, integrationEvent);
        var log = await session.LoadAsync<TLog>(integrationEvent.AggregateId, cancellationToken)
            ?? new TLog { Id = integrationEvent.AggregateId };
        log.Revisions.Add(RevisionOf(integrationEvent));
        log.EventIds.Add(integrationEvent.EventId.ToString("N"));
        session.Store(log);
    }

    protected abstract int RevisionOf(TEvent integrationEvent);
}

public sealed class SegmentsCustomerRenamedIntegrationEventHandler(HandlerProbe probe)
    : RecordingIntegrationEventHandler<CustomerRenamedIntegrationEvent, SegmentsAudienceProfile>(probe)
{
    protected override int RevisionOf(CustomerRenamedIntegrationEvent integrationEvent) => integrationEvent.Revision;
}

public sealed class CampaignsCustomerRenamedIntegrationEventHandler(HandlerProbe probe)
    : RecordingIntegrationEventHandler<CustomerRenamedIntegrationEvent, CampaignsRecipient>(probe)
{
    protected override int RevisionOf(CustomerRenamedIntegrationEvent integrationEvent) => integrationEvent.Revision;
}

public sealed class ProbeOrderLineAddedIntegrationEventHandler(HandlerProbe probe)
    : RecordingIntegrationEventHandler<ProbeOrderLineAddedIntegrationEvent, ProbeOrderLog>(probe)
{
    protected override int RevisionOf(ProbeOrderLineAddedIntegrationEvent integrationEvent) => integrationEvent.Line;
}

internal static class TestModules
{
    public static readonly string Segments = typeof(SegmentsCustomerRenamedIntegrationEventHandler).FullName!;

    public static readonly string Campaigns = typeof(CampaignsCustomerRenamedIntegrationEventHandler).FullName!;

    public static readonly string OrderLogs = typeof(ProbeOrderLineAddedIntegrationEventHandler).FullName!;

    /// <summary>A publisher (customers) and two subscribing modules (segments, campaigns), each with its own collection.</summary>
    public static IServiceCollection AddCustomerModules(this IServiceCollection services) =>
        services
            .AddDocumentCollection<TestCustomer>("customers.test_customers")
            .AddDocumentCollection<SegmentsAudienceProfile>("segments.test_profiles")
            .AddDocumentCollection<CampaignsRecipient>("campaigns.test_recipients")
            .AddIntegrationEventHandler<CustomerRenamedIntegrationEvent, SegmentsCustomerRenamedIntegrationEventHandler>()
            .AddIntegrationEventHandler<CustomerRenamedIntegrationEvent, CampaignsCustomerRenamedIntegrationEventHandler>();

    /// <summary>The crash probe's orders, and a module that logs their events.</summary>
    public static IServiceCollection AddProbeOrderModule(this IServiceCollection services) =>
        services
            .AddCrashScenario()
            .AddDocumentCollection<ProbeOrderLog>("orderlogs.test_order_logs")
            .AddIntegrationEventHandler<ProbeOrderLineAddedIntegrationEvent, ProbeOrderLineAddedIntegrationEventHandler>();
}
