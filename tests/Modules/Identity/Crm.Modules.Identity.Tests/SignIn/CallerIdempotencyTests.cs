using System.Net;
using System.Net.Http.Json;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Security;

namespace Crm.Modules.Identity.Tests.SignIn;

public sealed class CallerIdempotencyTests : HostFixture
{
    [Test]
    public async Task Two_callers_using_the_same_idempotency_key_never_see_each_others_response()
    {
        using var alice = await Factory.CreateClientAsAsync(Roles.Marketer);
        using var bob = await Factory.CreateClientAsAsync(Roles.Marketer);
        const string Key = "shared-key-1";

        using var first = await PostCustomerAsync(alice, Key, "first@example.com");
        using var second = await PostCustomerAsync(bob, Key, "second@example.com");
        using var replay = await PostCustomerAsync(alice, Key, "first@example.com");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Created), await second.Content.ReadAsStringAsync());
        var firstId = (await first.ReadJsonAsync()).GetProperty("id").GetString();
        Assert.That((await second.ReadJsonAsync()).GetProperty("id").GetString(), Is.Not.EqualTo(firstId));
        Assert.That((await replay.ReadJsonAsync()).GetProperty("id").GetString(), Is.EqualTo(firstId), "the same caller's retry is a replay");
    }

    private static async Task<HttpResponseMessage> PostCustomerAsync(HttpClient client, string key, string email)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, AuthCalls.Customers) { Content = JsonContent.Create(new { email }) };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }
}
