using System.Diagnostics;
using System.Net;
using Crm.Host.Tests.Support;

namespace Crm.Host.Tests;

public sealed class MongoReadinessTests
{
    [Test]
    public async Task With_mongo_unreachable_the_host_starts_and_ready_answers_503_within_the_selection_timeout_not_the_drivers_thirty_seconds()
    {
        var clock = Stopwatch.StartNew();
        await using var factory = new CrmHostFactory()
            .WithSetting("ConnectionStrings:Mongo", $"mongodb://127.0.0.1:{LoopbackPort.Free()}/crm?replicaSet=rs0")
            .WithSetting("Storage:Mongo:ServerSelectionTimeout", "00:00:01");
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        clock.Stop();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await response.Content.ReadAsStringAsync());
        Assert.That(HealthTests.ChecksByName(await response.ReadJsonAsync())["store"], Is.EqualTo("Unhealthy"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "start-up and the probe are bounded by the 1 s selection timeout");
    }
}
