using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Carter;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests;

public sealed class MongoReadinessTests
{
    [Test]
    public async Task With_mongo_unreachable_the_host_starts_and_ready_answers_503_within_the_selection_timeout_not_the_drivers_thirty_seconds()
    {
        var clock = Stopwatch.StartNew();
        await using var factory = UnreachableMongoHost();
        using var client = factory.CreateAnonymousClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        clock.Stop();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await response.Content.ReadAsStringAsync());
        Assert.That(HealthTests.ChecksByName(await response.ReadJsonAsync())["store"], Is.EqualTo("Unhealthy"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), "start-up and the probe are bounded by the 1 s selection timeout");
    }

    [Test]
    public async Task With_mongo_unreachable_a_write_is_a_503_problem_with_retry_after_and_no_server_address()
    {
        await using var factory = UnreachableMongoHost(out var port)
            .WithTestServices(services => services
                .AddSingleton<ICarterModule, ProbeEndpoints>()
                .AddDocumentCollection<ProbeDocument>("probes.documents"));

        // Signing in needs the store; a well-signed token gets as far as the check of its user, which needs it too:
        // a store outage is a 503 there as well, never a 401 that would send the client to sign in again.
        using var client = factory.CreateClientWithToken(factory.MintAccessToken("u1"));

        using var response = await client.PostAsJsonAsync(new Uri("/api/v1/probe/documents", UriKind.Relative), new { id = "d1", email = "ada@example.com" });
        var problem = await response.ReadProblemAsync(503);

        Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null);
        Assert.That(problem.GetRawText(), Does.Not.Contain("127.0.0.1").And.Not.Contain(port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static CrmHostFactory UnreachableMongoHost() => UnreachableMongoHost(out _);

    private static CrmHostFactory UnreachableMongoHost(out int port)
    {
        port = LoopbackPort.Free();
        return new CrmHostFactory()
            .WithSetting("ConnectionStrings:Mongo", $"mongodb://127.0.0.1:{port}/crm?replicaSet=rs0")
            .WithSetting("Storage:Mongo:ServerSelectionTimeout", "00:00:01");
    }
}
