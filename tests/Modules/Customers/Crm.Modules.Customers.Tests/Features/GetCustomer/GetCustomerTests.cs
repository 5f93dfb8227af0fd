using System.Net;
using System.Net.Http.Headers;
using Crm.Modules.Customers.Tests.Support;

namespace Crm.Modules.Customers.Tests.Features.GetCustomer;

public sealed class GetCustomerTests : HostFixture
{
    [Test]
    public async Task A_customer_is_read_back_by_id_with_its_version_as_etag()
    {
        var created = await Client.CreateAsync();
        var id = created.GetProperty("id").GetString()!;

        using var response = await Client.GetAsync($"{CustomerRequests.Path}/{id}");
        var customer = await response.ReadJsonAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
        Assert.That(customer.GetProperty("email").GetString(), Is.EqualTo(created.GetProperty("email").GetString()));
    }

    [Test]
    public async Task A_read_with_the_current_etag_in_if_none_match_is_a_304()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{CustomerRequests.Path}/{id}");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\""));

        using var response = await Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
    }

    [Test]
    public async Task An_unknown_id_is_a_404_problem()
    {
        using var response = await Client.GetAsync($"{CustomerRequests.Path}/{Guid.NewGuid():N}");

        await response.ReadProblemAsync(404);
    }
}
