using Crm.Modules.Orders.Tests.Support;

namespace Crm.Modules.Orders.Tests.Features.GetOrder;

public sealed class GetOrderTests : OrdersHostFixture
{
    [Test]
    public async Task An_order_is_read_back_by_id_with_its_version_as_etag()
    {
        var placed = await PlaceAsync(email: UniqueEmail(), amount: 12.34m, currency: "EUR");
        var id = placed.GetProperty("id").GetString();

        using var response = await Client.GetAsync(Url($"/api/v1/orders/{id}"));

        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
        var order = await response.ReadJsonAsync();
        Assert.That(order.GetProperty("amount").GetDecimal(), Is.EqualTo(12.34m));
        Assert.That(order.GetProperty("baseAmount").GetDecimal(), Is.EqualTo(13.33m), "12.34 x 1.08 = 13.3272, rounded to cents");
        Assert.That(order.GetProperty("externalOrderId").GetString(), Is.EqualTo(placed.GetProperty("externalOrderId").GetString()));
    }

    [Test]
    public async Task An_unknown_order_id_is_a_404_problem()
    {
        using var response = await Client.GetAsync(Url("/api/v1/orders/no-such-order"));

        var problem = await response.ReadProblemAsync(404);
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("orders.not_found"));
    }
}
