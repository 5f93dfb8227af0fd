using System.Net;
using Crm.Modules.Customers.Tests.Support;

namespace Crm.Modules.Customers.Tests.Features.RecordVisit;

public sealed class RecordVisitTests : HostFixture
{
    [Test]
    public async Task A_visit_without_a_body_counts_and_sets_last_visit_to_now()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);

        using var response = await Client.PostAsync($"{CustomerRequests.Path}/{id}/visits", null);
        var behaviour = await response.ReadJsonAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), behaviour.ToString());
        Assert.That(behaviour.GetProperty("visitCount").GetInt32(), Is.EqualTo(1));
        Assert.That(behaviour.GetProperty("lastVisit").GetDateTimeOffset(), Is.GreaterThan(before));
    }

    [Test]
    public async Task Last_visit_keeps_the_latest_time_when_an_older_visit_arrives_later()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;
        var latest = new DateTimeOffset(2025, 6, 2, 10, 0, 0, TimeSpan.Zero);

        using var first = await Client.PostAsync($"{CustomerRequests.Path}/{id}/visits", CustomerRequests.Json("""{"at": "2025-06-02T12:00:00+02:00"}"""));
        using var second = await Client.PostAsync($"{CustomerRequests.Path}/{id}/visits", CustomerRequests.Json("""{"at": "2025-05-01T00:00:00Z"}"""));
        var behaviour = await second.ReadJsonAsync();

        Assert.That(behaviour.GetProperty("visitCount").GetInt32(), Is.EqualTo(2));
        Assert.That(behaviour.GetProperty("lastVisit").GetDateTimeOffset(), Is.EqualTo(latest));
    }

    [Test]
    public async Task Parallel_visits_are_all_counted()
    {
        const int visits = 40;
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        var responses = await Task.WhenAll(Enumerable.Range(0, visits).Select(_ => Client.PostAsync($"{CustomerRequests.Path}/{id}/visits", null)));

        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        foreach (var response in responses)
        {
            response.Dispose();
        }

        var customer = await Client.GetCustomerAsync(id);
        Assert.That(customer.GetProperty("behaviour").GetProperty("visitCount").GetInt32(), Is.EqualTo(visits));
        Assert.That(customer.GetProperty("version").GetInt64(), Is.EqualTo(visits + 1));
    }

    [Test]
    public async Task A_visit_in_the_future_is_a_400_naming_at()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PostAsync($"{CustomerRequests.Path}/{id}/visits", CustomerRequests.Json("""{"at": "2999-01-01T00:00:00Z"}"""));

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors("at"), Is.Not.Empty);
    }

    [Test]
    public async Task A_visit_time_that_is_not_a_time_is_a_400_naming_at()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;

        using var response = await Client.PostAsync($"{CustomerRequests.Path}/{id}/visits", CustomerRequests.Json("""{"at": "soon"}"""));

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.FieldErrors("at"), Is.Not.Empty);
    }

    [Test]
    public async Task A_visit_to_an_unknown_customer_is_a_404()
    {
        using var response = await Client.PostAsync($"{CustomerRequests.Path}/{Guid.NewGuid():N}/visits", null);

        await response.ReadProblemAsync(404);
    }
}
