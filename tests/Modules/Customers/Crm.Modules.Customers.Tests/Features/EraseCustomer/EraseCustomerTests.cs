using System.Net;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Tests.Support;

namespace Crm.Modules.Customers.Tests.Features.EraseCustomer;

public sealed class EraseCustomerTests : HostFixture
{
    private readonly PublishedEvents<CustomerErasedIntegrationEvent> _erased = new();

    [Test]
    public async Task Erasing_a_customer_removes_them_and_tells_other_modules_with_customer_erased()
    {
        var created = await Client.CreateAsync();
        var id = created.GetProperty("id").GetString()!;

        using var response = await Client.DeleteAsync($"{CustomerRequests.Path}/{id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var erased = await _erased.WaitForAsync(e => e.CustomerId == id);
        Assert.That(erased.Email, Is.EqualTo(created.GetProperty("email").GetString()));
        using var read = await Client.GetAsync($"{CustomerRequests.Path}/{id}");
        await read.ReadProblemAsync(404);
        using var export = await Client.GetAsync($"{CustomerRequests.Path}/{id}/export");
        await export.ReadProblemAsync(404);
    }

    [Test]
    public async Task A_second_erasure_is_a_404()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;
        using var first = await Client.DeleteAsync($"{CustomerRequests.Path}/{id}");

        using var second = await Client.DeleteAsync($"{CustomerRequests.Path}/{id}");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await second.ReadProblemAsync(404);
    }

    [Test]
    public async Task An_erased_email_can_be_used_by_a_new_customer()
    {
        var created = await Client.CreateAsync();
        using var erase = await Client.DeleteAsync($"{CustomerRequests.Path}/{created.GetProperty("id").GetString()}");

        var again = await Client.CreateAsync(created.GetProperty("email").GetString());

        Assert.That(again.GetProperty("id").GetString(), Is.Not.EqualTo(created.GetProperty("id").GetString()));
    }

    [Test]
    public async Task An_erasure_with_a_stale_if_match_is_a_412_and_keeps_the_customer()
    {
        var id = (await Client.CreateAsync()).GetProperty("id").GetString()!;
        using var patch = await Client.PatchAsync(id, """{"name": "Changed"}""");
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{CustomerRequests.Path}/{id}");
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");

        using var response = await Client.SendAsync(request);

        await response.ReadProblemAsync(412);
        await Client.GetCustomerAsync(id);
    }

    protected override CrmHostFactory CreateFactory() => PublishedEvents<CustomerErasedIntegrationEvent>.Subscribe(new CrmHostFactory(), _erased);
}
