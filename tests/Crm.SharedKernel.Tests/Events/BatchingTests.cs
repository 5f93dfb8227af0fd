using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

/// <summary>Several events of distinct aggregates delivered to a handler in one commit keep every promise of one-by-one delivery.</summary>
public sealed class BatchingTests : EventDatabaseFixture
{
    [Test]
    public async Task A_failing_event_in_a_batch_is_retried_alone_while_the_others_are_delivered_once()
    {
        await using var harness = new DispatcherHarness(DatabasePath, o => o.MaxAttempts = 1_000);
        var failing = true;
        harness.Probe.BeforeHandle = (handler, e) =>
            Volatile.Read(ref failing) && handler == TestModules.Segments && e.AggregateId == "customer-5"
                ? throw new InvalidOperationException("audience index is rebuilding")
                : Task.CompletedTask;
        var renames = new List<CustomerRenamedIntegrationEvent>();
        for (var i = 1; i <= 10; i++)
        {
            renames.Add(await harness.RenameAsync($"customer-{i}"));
        }

        await harness.StartAsync();
        await Eventually.HoldsAsync(
            async () => harness.Probe.CallsOf(TestModules.Segments, renames[4].EventId) >= 3 && await harness.OutboxIsEmptyAsync(),
            "the failing event has been tried again");

        foreach (var renamed in renames.Where(r => r.CustomerId != "customer-5"))
        {
            Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>(renamed.CustomerId), Is.EqualTo(new[] { 1 }), renamed.CustomerId);
            Assert.That(harness.Probe.CallsOf(TestModules.Segments, renamed.EventId), Is.EqualTo(1), "delivered once, not again with the failing one");
        }

        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-5"), Is.Empty);
        var pending = (await harness.Monitor.PendingAsync()).Single();
        Assert.That((pending.AggregateId, pending.Handler), Is.EqualTo(("customer-5", TestModules.Segments)));
        Assert.That(await harness.RevisionsAsync<CampaignsRecipient>("customer-5"), Is.EqualTo(new[] { 1 }), "the other module got it in its batch");

        Volatile.Write(ref failing, false);
        await Eventually.HoldsAsync(
            async () => (await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-5")).Count == 1,
            "the failing event is delivered once it succeeds");
        Assert.That(await harness.Monitor.PendingAsync(), Is.Empty);
    }

    [Test]
    public async Task Events_of_one_aggregate_in_one_pass_are_delivered_in_commit_order_beside_other_aggregates()
    {
        await using var harness = new DispatcherHarness(DatabasePath, o => o.DeliveryBatchSize = 3);
        for (var revision = 1; revision <= 5; revision++)
        {
            for (var customer = 1; customer <= 7; customer++)
            {
                await harness.RenameAsync($"customer-{customer}");
            }
        }

        await harness.StartAsync();
        await Eventually.HoldsAsync(harness.OutboxIsEmptyAsync, "the outbox is dispatched");

        for (var customer = 1; customer <= 7; customer++)
        {
            Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>($"customer-{customer}"), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
            Assert.That(await harness.RevisionsAsync<CampaignsRecipient>($"customer-{customer}"), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
        }
    }

    [Test]
    public async Task Events_of_different_aggregates_whose_handler_changes_one_document_all_land()
    {
        await using var harness = new DispatcherHarness(DatabasePath, modules: services => services.AddTallyModule());
        var published = new List<string>();
        await using (var session = harness.Store.OpenSession())
        {
            for (var i = 1; i <= 20; i++)
            {
                var tallied = new TalliedIntegrationEvent($"visitor-{i}") { OccurredAt = TimeProvider.System.GetUtcNow() };
                session.Publish(tallied);
                published.Add(tallied.Key);
            }

            await session.SaveChangesAsync();
        }

        await harness.StartAsync();
        await Eventually.HoldsAsync(harness.OutboxIsEmptyAsync, "the outbox is dispatched");

        await using var read = harness.Store.OpenSession();
        var tally = await read.LoadAsync<Tally>(Tally.SharedId);
        Assert.That(tally?.Keys, Is.EquivalentTo(published), "every event's change to the shared document is kept, each once");
        Assert.That(await harness.Monitor.PendingAsync(), Is.Empty);
    }

    [Test]
    public async Task Delivering_the_same_batch_again_changes_nothing()
    {
        await using var harness = new DispatcherHarness(DatabasePath);
        var renames = new List<CustomerRenamedIntegrationEvent>();
        for (var i = 1; i <= 3; i++)
        {
            renames.Add(await harness.RenameAsync($"customer-{i}"));
        }

        var envelopes = (await harness.Outbox.ReadPendingAsync(10, CancellationToken.None))
            .Select(m => new EventEnvelope(m, harness.Registry.FindEventType(m.EventType)!))
            .ToList();
        var segments = harness.Registry.Subscriptions.Single(s => s.HandlerName == TestModules.Segments);

        var first = await harness.Delivery.DeliverBatchAsync(envelopes, segments, CancellationToken.None);
        var again = await harness.Delivery.DeliverBatchAsync(envelopes, segments, CancellationToken.None);

        Assert.That((first.Committed, first.Taken, first.Failed.Count), Is.EqualTo((true, 3, 0)));
        Assert.That((again.Committed, again.Taken, again.Failed.Count), Is.EqualTo((true, 3, 0)));
        foreach (var renamed in renames)
        {
            Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>(renamed.CustomerId), Is.EqualTo(new[] { 1 }));
            Assert.That(harness.Probe.CallsOf(TestModules.Segments, renamed.EventId), Is.EqualTo(1), "the inbox answers the redelivery");
        }

        // The dispatcher still finds the messages undispatched: the segments module is unchanged, campaigns get them once.
        await harness.StartAsync();
        await Eventually.HoldsAsync(harness.OutboxIsEmptyAsync, "the outbox is dispatched");
        foreach (var renamed in renames)
        {
            Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>(renamed.CustomerId), Is.EqualTo(new[] { 1 }));
            Assert.That(await harness.RevisionsAsync<CampaignsRecipient>(renamed.CustomerId), Is.EqualTo(new[] { 1 }));
        }
    }
}

/// <summary>An event of one visitor whose handler adds to a document all visitors share.</summary>
public sealed record TalliedIntegrationEvent(string Key) : IntegrationEvent
{
    public override string AggregateId => Key;
}

public sealed class Tally : IDocument
{
    public const string SharedId = "shared";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    public List<string> Keys { get; set; } = [];
}

public sealed class TalliedIntegrationEventHandler : IIntegrationEventHandler<TalliedIntegrationEvent>
{
    public async Task HandleAsync(TalliedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        var tally = await session.LoadAsync<Tally>(Tally.SharedId, cancellationToken) ?? new Tally { Id = Tally.SharedId };
        tally.Keys.Add(integrationEvent.Key);
        session.Store(tally);
    }
}

internal static class TallyModule
{
    public static IServiceCollection AddTallyModule(this IServiceCollection services) =>
        services
            .AddDocumentCollection<Tally>("tallies.test_tallies")
            .AddIntegrationEventHandler<TalliedIntegrationEvent, TalliedIntegrationEventHandler>();
}
