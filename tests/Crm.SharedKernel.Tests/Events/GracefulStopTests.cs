using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

public sealed class GracefulStopTests : EventDatabaseFixture
{
    [Test]
    public async Task Stopping_during_a_batch_lets_the_started_delivery_commit_and_starts_no_other()
    {
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CustomerRenamedIntegrationEvent first;
        await using (var harness = new DispatcherHarness(DatabasePath, o => o.MaxConcurrency = 1))
        {
            harness.Probe.BeforeHandle = (handler, e) =>
            {
                if (handler != TestModules.Segments || e is not CustomerRenamedIntegrationEvent { Revision: 1 })
                {
                    return Task.CompletedTask;
                }

                inside.TrySetResult();
                return release.Task;
            };
            first = await harness.RenameAsync("customer-1");
            await harness.RenameAsync("customer-1");
            await harness.RenameAsync("customer-1");

            await harness.StartAsync();
            await inside.Task.WaitAsync(DispatcherHarness.Patience);
            var stopping = harness.StopAsync();
            Assert.That(stopping.IsCompleted, Is.False, "stop waits for the delivery under way");

            release.SetResult();
            await stopping.WaitAsync(DispatcherHarness.Patience);

            Assert.That(await harness.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 1 }));
            Assert.That(await harness.RevisionsAsync<CampaignsRecipient>("customer-1"), Is.EqualTo(new[] { 1 }),
                "the message under way reached all its subscribers");
            var left = await harness.Outbox.ReadPendingAsync(10, CancellationToken.None);
            Assert.That(left.Select(m => m.EventId), Does.Not.Contain(first.EventId), "the delivered message is marked");
            Assert.That(left, Has.Count.EqualTo(2), "the later messages were not started and wait in the outbox");
        }

        await using var restarted = new DispatcherHarness(DatabasePath);
        await restarted.StartAsync();
        await Eventually.HoldsAsync(restarted.OutboxIsEmptyAsync, "the rest is dispatched after a restart");
        Assert.That(await restarted.RevisionsAsync<SegmentsAudienceProfile>("customer-1"), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(await restarted.RevisionsAsync<CampaignsRecipient>("customer-1"), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(restarted.Probe.CallsOf(TestModules.Segments, first.EventId), Is.Zero);
    }
}
