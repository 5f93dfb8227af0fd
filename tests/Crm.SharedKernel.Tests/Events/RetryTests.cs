using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

public sealed class RetryTests : EventDatabaseFixture
{
    [Test]
    public async Task Events_of_one_aggregate_arrive_in_commit_order_even_when_an_earlier_one_is_retried()
    {
        await using var harness = new DispatcherHarness(DatabasePath, o => o.MaxAttempts = 1_000);
        var failing = true;
        harness.Probe.BeforeHandle = (handler, e) =>
            Volatile.Read(ref failing) && handler == TestModules.Segments && e is CustomerRenamedIntegrationEvent { Revision: 1 }
                ? throw new InvalidOperationException("audience index is rebuilding")
                : Task.CompletedTask;
        var first = await harness.RenameAsync("customer-1");
        await harness.RenameAsync("customer-1");
        await harness.RenameAsync("customer-1");

        await harness.StartAsync();
        await Eventually.HoldsAsync(
            async () => (await harness.Monitor.PendingAsync()).Count(d => d.Handler == TestModules.Segments) == 3
                && harness.Probe.CallsOf(TestModules.Segments, first.EventId) >= 2,
            "the first rename is being retried and the later two wait behind it");

        var pending = (await harness.Monitor.PendingAsync()).Where(d => d.Handler == TestModules.Segments).ToList();
        Assert.That(pending.Select(d => d.Sequence), Is.Ordered);
        Assert.That(pending[0].EventId, Is.EqualTo(first.EventId));
        Assert.That(pending[0].LastError, Does.Contain("audience index is rebuilding"));
        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.Empty, "nothing overtook the failing event");
        await Eventually.HoldsAsync(
            async () => (await harness.RevisionsAsync<CampaignsRecipient>("customer-1")).Count == 3,
            "the other module is not held back");

        Volatile.Write(ref failing, false);
        await Eventually.HoldsAsync(
            async () => (await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1")).Count == 3,
            "the retried event and the ones behind it are delivered");

        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(await harness.RevisionsAsync<CampaignsRecipient>("customer-1"), Is.EqualTo(new[] { 1, 2, 3 }));
        await Eventually.HoldsAsync(async () => (await harness.Monitor.PendingAsync()).Count == 0, "no delivery is left pending");
    }

    [Test]
    public async Task A_failing_delivery_does_not_hold_back_other_aggregates()
    {
        // A backoff far longer than the test: the failed delivery stays pending throughout.
        await using var harness = new DispatcherHarness(DatabasePath, o =>
        {
            o.BaseBackoff = TimeSpan.FromHours(1);
            o.MaxBackoff = TimeSpan.FromHours(1);
        });
        harness.Probe.BeforeHandle = (handler, e) =>
            handler == TestModules.Segments && e.AggregateId == "customer-1"
                ? throw new TimeoutException("profile store timed out")
                : Task.CompletedTask;
        await harness.RenameAsync("customer-1");
        await harness.RenameAsync("customer-2");
        await harness.RenameAsync("customer-1");
        await harness.RenameAsync("customer-2");

        await harness.StartAsync();
        await Eventually.HoldsAsync(harness.OutboxIsEmptyAsync, "the outbox is dispatched");

        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-2"), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(await harness.RevisionsAsync<CampaignsRecipient>("customer-1"), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.Empty);
        var pending = await harness.Monitor.PendingAsync();
        Assert.That(pending.Select(d => (d.AggregateId, d.Attempts)), Is.EqualTo(new[] { ("customer-1", 1), ("customer-1", 0) }),
            "the first rename failed once; the second waits behind it untried");
    }

    [Test]
    public async Task A_handler_that_keeps_failing_is_parked_with_its_error_visible_and_can_be_retried()
    {
        await using var harness = new DispatcherHarness(DatabasePath, o => o.MaxAttempts = 3);
        var broken = true;
        harness.Probe.BeforeHandle = (handler, e) =>
            Volatile.Read(ref broken) && handler == TestModules.Segments && e is CustomerRenamedIntegrationEvent { CustomerId: "customer-1", Revision: 1 }
                ? throw new InvalidOperationException("segment rule refers to a deleted field")
                : Task.CompletedTask;
        var poisoned = await harness.RenameAsync("customer-1");
        await harness.RenameAsync("customer-1");
        await harness.RenameAsync("customer-2");

        await harness.StartAsync();
        await Eventually.HoldsAsync(async () => (await harness.Monitor.ParkedAsync()).Count == 1, "the failing delivery is parked");

        var parked = (await harness.Monitor.ParkedAsync()).Single();
        Assert.That(parked.EventId, Is.EqualTo(poisoned.EventId));
        Assert.That(parked.Handler, Is.EqualTo(TestModules.Segments));
        Assert.That(parked.Parked, Is.True);
        Assert.That(parked.Attempts, Is.EqualTo(3));
        Assert.That(parked.LastError, Does.Contain(nameof(InvalidOperationException)).And.Contain("segment rule refers to a deleted field"));
        Assert.That(harness.Probe.CallsOf(TestModules.Segments, poisoned.EventId), Is.EqualTo(3));

        // Parking releases the queue: the later rename of the same customer proceeds, as do other customers.
        await Eventually.HoldsAsync(
            async () => (await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1")).Count == 1,
            "the event queued behind the parked one is delivered");
        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 2 }));
        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-2"), Is.EqualTo(new[] { 1 }));
        Assert.That(await harness.RevisionsAsync<CampaignsRecipient>("customer-1"), Is.EqualTo(new[] { 1, 2 }));

        Volatile.Write(ref broken, false);
        Assert.That(await harness.Monitor.RetryParkedAsync(parked.Id), Is.True);
        await Eventually.HoldsAsync(
            async () => (await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1")).Count == 2,
            "the retried delivery is delivered");
        Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 2, 1 }));
        Assert.That(await harness.Monitor.ParkedAsync(), Is.Empty);
        Assert.That(await harness.Monitor.RetryParkedAsync(parked.Id), Is.False, "nothing is parked under that id any more");
    }

    [Test]
    public async Task A_pending_retry_survives_a_restart_of_the_dispatcher()
    {
        CustomerRenamedIntegrationEvent renamed;
        await using (var before = new DispatcherHarness(DatabasePath, o =>
        {
            o.BaseBackoff = TimeSpan.FromMilliseconds(1);
            o.MaxBackoff = TimeSpan.FromMilliseconds(1);
            o.MaxAttempts = 1_000;
        }))
        {
            before.Probe.BeforeHandle = (handler, _) =>
                handler == TestModules.Segments ? throw new InvalidOperationException("down") : Task.CompletedTask;
            renamed = await before.RenameAsync("customer-1");
            await before.StartAsync();
            await Eventually.HoldsAsync(async () => (await before.Monitor.PendingAsync()).Count == 1 && await before.OutboxIsEmptyAsync(),
                "the failed delivery is recorded and the outbox dispatched");
        }

        await using var after = new DispatcherHarness(DatabasePath);
        await after.StartAsync();
        await Eventually.HoldsAsync(
            async () => (await after.RevisionsAsync<SegmentsAudienceProfile>("customer-1")).Count == 1,
            "the restarted dispatcher delivers the pending retry");
        Assert.That(await after.Monitor.PendingAsync(), Is.Empty);
        Assert.That(after.Probe.CallsOf(TestModules.Campaigns, renamed.EventId), Is.Zero, "the delivered module is not called again");
    }
}
