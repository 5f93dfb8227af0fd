using System.Diagnostics;
using Crm.SharedKernel.Tests.CrashProbe;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

public sealed class CrashTests : EventDatabaseFixture
{
    [Test]
    public async Task Events_committed_by_a_process_that_died_before_dispatch_are_all_delivered_after_restart()
    {
        var committed = await RunCrashProbeAsync();
        var expected = CrashScenario.Orders * CrashScenario.CommitsPerOrder * CrashScenario.EventsPerCommit;
        Assert.That(committed, Has.Count.EqualTo(expected));

        await using var harness = new DispatcherHarness(DatabasePath);
        await harness.StartAsync();
        await Eventually.HoldsAsync(harness.OutboxIsEmptyAsync, "the outbox left by the dead process is dispatched");

        foreach (var order in committed.GroupBy(c => c.OrderId))
        {
            await using var session = harness.Store.OpenSession();
            var log = await session.LoadAsync<ProbeOrderLog>(order.Key);
            Assert.That(log, Is.Not.Null, order.Key);
            Assert.That(log!.Revisions, Is.EqualTo(Enumerable.Range(1, CrashScenario.CommitsPerOrder * CrashScenario.EventsPerCommit)),
                "every line event of the order, once, in commit order");
            Assert.That(log.EventIds, Is.EqualTo(order.Select(c => c.EventId)));
        }
    }

    /// <summary>Runs the probe against the test's database file; returns the events it reported committed before it killed itself.</summary>
    private async Task<List<(string OrderId, int Line, string EventId)>> RunCrashProbeAsync()
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "Crm.SharedKernel.Tests.CrashProbe.dll");
        Assert.That(File.Exists(probe), Is.True, $"the crash probe is built beside the tests: {probe}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(probe);
        start.ArgumentList.Add(DatabasePath);

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                Assert.Fail($"The crash probe did not finish its commits in time; stderr: {await errors}");
            }
        }

        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Does.Contain("committed"), $"the probe finished its commits; stderr: {await errors}");
        Assert.That(process.ExitCode, Is.EqualTo(137), "the probe was killed (SIGKILL), not stopped");
        return [.. lines
            .Where(l => l != "committed")
            .Select(l => l.Split(' '))
            .Select(p => (p[0], int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), p[2]))];
    }
}
