using Crm.SharedKernel.Infrastructure.Outbox;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

public sealed class DeliveryTests : EventDatabaseFixture
{
    [Test]
    public async Task An_event_committed_with_a_change_reaches_each_subscribing_module_exactly_once()
    {
        await using var harness = new DispatcherHarness(DatabasePath);
        var renamed = await harness.RenameAsync("customer-1");

        await harness.StartAsync();
        await Eventually.HoldsAsync(harness.OutboxIsEmptyAsync, "the outbox is dispatched");

        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 1 }));
        Assert.That(await harness.RevisionsAsync<CampaignsRecipient>("customer-1"), Is.EqualTo(new[] { 1 }));
        Assert.That(harness.Probe.CallsOf(TestModules.Segments, renamed.EventId), Is.EqualTo(1));
        Assert.That(harness.Probe.CallsOf(TestModules.Campaigns, renamed.EventId), Is.EqualTo(1));
        Assert.That(await harness.Monitor.PendingAsync(), Is.Empty);
    }

    [Test]
    public async Task Delivering_the_same_outbox_message_again_changes_nothing()
    {
        await using var harness = new DispatcherHarness(DatabasePath);
        var renamed = await harness.RenameAsync("customer-1");
        var message = (await harness.Outbox.ReadPendingAsync(10, CancellationToken.None)).Single();
        var envelope = new EventEnvelope(message, harness.Registry.FindEventType(message.EventType)!);
        var segments = harness.Registry.Subscriptions.Single(s => s.HandlerName == TestModules.Segments);

        var first = await harness.Delivery.DeliverAsync(envelope, segments, pending: null, next: null, CancellationToken.None);
        var again = await harness.Delivery.DeliverAsync(envelope, segments, pending: null, next: null, CancellationToken.None);

        Assert.That(first, Is.Null);
        Assert.That(again, Is.Null);
        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 1 }));
        Assert.That(harness.Probe.CallsOf(TestModules.Segments, renamed.EventId), Is.EqualTo(1), "the inbox answers the redelivery; the handler does not run");

        // The dispatcher still finds the message undispatched and delivers it: the segments module is unchanged,
        // the campaigns module gets it once.
        await harness.StartAsync();
        await Eventually.HoldsAsync(harness.OutboxIsEmptyAsync, "the outbox is dispatched");
        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 1 }));
        Assert.That(await harness.RevisionsAsync<CampaignsRecipient>("customer-1"), Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public async Task Two_deliveries_of_one_event_racing_each_other_commit_its_effect_once()
    {
        await using var harness = new DispatcherHarness(DatabasePath);
        await harness.RenameAsync("customer-1");
        var message = (await harness.Outbox.ReadPendingAsync(10, CancellationToken.None)).Single();
        var segments = harness.Registry.Subscriptions.Single(s => s.HandlerName == TestModules.Segments);

        // Both deliveries pass the inbox check and reach the handler before either commits.
        var arrived = 0;
        var bothInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Probe.BeforeHandle = (_, _) =>
        {
            if (Interlocked.Increment(ref arrived) == 2)
            {
                bothInside.SetResult();
            }

            return bothInside.Task;
        };

        var results = await Task.WhenAll(
            Task.Run(() => harness.Delivery.DeliverAsync(new EventEnvelope(message, typeof(CustomerRenamedIntegrationEvent)), segments, null, null, CancellationToken.None)),
            Task.Run(() => harness.Delivery.DeliverAsync(new EventEnvelope(message, typeof(CustomerRenamedIntegrationEvent)), segments, null, null, CancellationToken.None)))
            .WaitAsync(DispatcherHarness.Patience);

        Assert.That(results, Is.All.Null, "the loser of the race counts the event as handled");
        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 1 }));
    }
}
