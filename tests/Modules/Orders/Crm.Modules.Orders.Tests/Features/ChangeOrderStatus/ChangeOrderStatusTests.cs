using System.Net.Http.Json;
using System.Text;
using Crm.Modules.Orders.Tests.Support;

namespace Crm.Modules.Orders.Tests.Features.ChangeOrderStatus;

public sealed class ChangeOrderStatusTests : OrdersHostFixture
{
    [Test]
    public async Task A_placed_order_is_paid_then_refunded_and_each_change_is_published_with_the_previous_status()
    {
        var id = await PlacedOrderAsync();

        using var paid = await PatchAsync(id, "paid");
        Assert.That((int)paid.StatusCode, Is.EqualTo(200));
        Assert.That(paid.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
        Assert.That((await paid.ReadJsonAsync()).GetProperty("status").GetString(), Is.EqualTo("paid"));

        using var refunded = await PatchAsync(id, "refunded");
        Assert.That((await refunded.ReadJsonAsync()).GetProperty("status").GetString(), Is.EqualTo("refunded"));

        await Eventually.ThatAsync(() => Task.FromResult(Events.StatusChangesFor(id) == 2), "both changes are delivered");
        var changes = Events.StatusChanged.Where(e => e.Order.OrderId == id).ToList();
        Assert.That(changes.Select(c => (c.PreviousStatus, c.Order.Status)), Is.EqualTo(new[]
        {
            (Contracts.OrderStatus.Placed, Contracts.OrderStatus.Paid),
            (Contracts.OrderStatus.Paid, Contracts.OrderStatus.Refunded),
        }));
    }

    [Test]
    public async Task A_placed_order_can_be_cancelled()
    {
        var id = await PlacedOrderAsync();

        using var response = await PatchAsync(id, "cancelled");

        Assert.That((await response.ReadJsonAsync()).GetProperty("status").GetString(), Is.EqualTo("cancelled"));
    }

    [TestCase(new string[0], "refunded")]
    [TestCase(new[] { "paid" }, "cancelled")]
    [TestCase(new[] { "cancelled" }, "paid")]
    [TestCase(new[] { "paid", "refunded" }, "paid")]
    public async Task A_change_the_rules_do_not_allow_is_a_422_naming_status(string[] before, string to)
    {
        var id = await PlacedOrderAsync();
        foreach (var status in before)
        {
            using var step = await PatchAsync(id, status);
            Assert.That((int)step.StatusCode, Is.EqualTo(200));
        }

        using var response = await PatchAsync(id, to);

        var problem = await response.ReadProblemAsync(422);
        Assert.That(problem.GetProperty("errors").TryGetProperty("status", out _), Is.True, problem.GetRawText());
    }

    [Test]
    public async Task Asking_for_the_status_an_order_already_has_changes_and_publishes_nothing()
    {
        var id = await PlacedOrderAsync();
        using var first = await PatchAsync(id, "paid");
        using var again = await PatchAsync(id, "paid");

        Assert.That((int)again.StatusCode, Is.EqualTo(200));
        Assert.That((await again.ReadJsonAsync()).GetProperty("version").GetInt64(), Is.EqualTo(2));

        using var refunded = await PatchAsync(id, "refunded");
        await Eventually.ThatAsync(() => Task.FromResult(Events.StatusChangesFor(id) == 2), "the later change is delivered");
        Assert.That(Events.StatusChangesFor(id), Is.EqualTo(2));
    }

    [Test]
    public async Task A_stale_if_match_is_a_412_and_the_current_one_is_accepted()
    {
        var id = await PlacedOrderAsync();
        using var paid = await PatchAsync(id, "paid", ifMatch: "\"1\"");
        Assert.That((int)paid.StatusCode, Is.EqualTo(200));

        using var stale = await PatchAsync(id, "refunded", ifMatch: "\"1\"");
        await stale.ReadProblemAsync(412);

        using var current = await PatchAsync(id, "refunded", ifMatch: "\"2\"");
        Assert.That((int)current.StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task An_unknown_order_is_a_404()
    {
        using var response = await PatchAsync("no-such-order", "paid");

        await response.ReadProblemAsync(404);
    }

    [TestCase("placed")]
    [TestCase("shipped")]
    [TestCase("")]
    public async Task A_status_other_than_paid_refunded_or_cancelled_is_a_400_naming_status(string status)
    {
        var id = await PlacedOrderAsync();

        using var response = await PatchAsync(id, status);

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.That(errors.TryGetProperty("status", out _), Is.True, errors.GetRawText());
    }

    [TestCase("null")]
    [TestCase("")]
    [TestCase("{\"status\": 3}")]
    public async Task A_status_body_that_is_no_object_with_a_status_is_a_400_not_a_500(string body)
    {
        var id = await PlacedOrderAsync();
        using var request = new HttpRequestMessage(HttpMethod.Patch, Url($"/api/v1/orders/{id}/status"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };

        using var response = await Client.SendAsync(request);

        await response.ReadProblemAsync(400);
    }

    [Test]
    public async Task A_status_body_that_is_not_json_is_a_415()
    {
        var id = await PlacedOrderAsync();
        using var request = new HttpRequestMessage(HttpMethod.Patch, Url($"/api/v1/orders/{id}/status"))
        {
            Content = new StringContent("status=paid", Encoding.UTF8, "text/plain"),
        };

        using var response = await Client.SendAsync(request);

        await response.ReadProblemAsync(415);
    }

    private async Task<string> PlacedOrderAsync() =>
        (await PlaceAsync(email: UniqueEmail())).GetProperty("id").GetString()!;

    private Task<HttpResponseMessage> PatchAsync(string id, string status, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, Url($"/api/v1/orders/{id}/status"))
        {
            Content = JsonContent.Create(new { status }),
        };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return Client.SendAsync(request);
    }
}
