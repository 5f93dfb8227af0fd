using System.Net.Http.Json;
using System.Text.Json;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Domain;
using Crm.Modules.Orders.Tests.Support;
using Crm.SharedKernel.Privacy;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Orders.Tests.IntegrationEventHandlers;

public sealed class CustomerEventsTests : OrdersHostFixture
{
    [Test]
    public async Task Orders_placed_by_an_unknown_email_get_the_customer_id_once_the_customers_creation_arrives()
    {
        var email = UniqueEmail();
        var first = (await PlaceAsync(email: email)).GetProperty("id").GetString()!;
        var second = (await PlaceAsync(email: email)).GetProperty("id").GetString()!;

        var customerId = await KnownCustomerAsync(email);

        await Eventually.ThatAsync(async () =>
            (await LoadOrderAsync(first))?.CustomerId == customerId && (await LoadOrderAsync(second))?.CustomerId == customerId,
            "both orders carry the customer's id");
        var order = await LoadOrderAsync(first);
        Assert.That(order!.CustomerKey, Is.EqualTo(email), "the ordering key of an order never changes while the customer exists");
    }

    [Test]
    public async Task A_customers_new_email_is_used_for_their_next_orders_and_shown_on_their_earlier_ones()
    {
        var oldEmail = UniqueEmail();
        var customerId = await KnownCustomerAsync(oldEmail);
        var earlier = (await PlaceAsync(customerId: customerId)).GetProperty("id").GetString()!;
        var newEmail = UniqueEmail();

        await PublishAsync(new CustomerUpdatedIntegrationEvent(new CustomerSnapshot { Id = customerId, Email = newEmail, Version = 2 }, ["email"]));

        await Eventually.ThatAsync(async () => (await LoadOrderAsync(earlier))?.CustomerEmail == newEmail, "the earlier order shows the new email");
        var next = await PlaceAsync(email: newEmail);
        Assert.That(next.GetProperty("customerId").GetString(), Is.EqualTo(customerId));
    }

    [Test]
    public async Task An_erased_customers_email_leaves_their_orders_which_keep_their_amounts_and_their_id_is_no_longer_accepted()
    {
        var email = UniqueEmail();
        var beforeKnown = (await PlaceAsync(email: email, amount: 7m)).GetProperty("id").GetString()!;
        var customerId = await KnownCustomerAsync(email);
        var byId = (await PlaceAsync(customerId: customerId, amount: 8m)).GetProperty("id").GetString()!;

        await PublishAsync(new CustomerErasedIntegrationEvent(customerId, email));

        await Eventually.ThatAsync(async () =>
            (await LoadOrderAsync(beforeKnown))?.CustomerEmail is null && (await LoadOrderAsync(byId))?.CustomerEmail is null,
            "the orders forget the email");
        var kept = await LoadOrderAsync(beforeKnown);
        Assert.That(kept!.Amount, Is.EqualTo(7m));
        Assert.That(kept.CustomerKey, Does.Not.Contain("@"), "no copy of the email is left in the ordering key");
        using var raw = await Client.GetAsync(Url($"/api/v1/orders/{beforeKnown}"));
        Assert.That(await raw.Content.ReadAsStringAsync(), Does.Not.Contain(email));

        using var list = await Client.GetAsync(Url($"/api/v1/orders?email={email}"));
        Assert.That((await list.ReadJsonAsync()).GetProperty("items").GetArrayLength(), Is.Zero);

        using var refused = await PostOrderAsync(new { externalOrderId = Unique("ext"), customerId, amount = 1m, currency = "USD" });
        await refused.ReadProblemAsync(422);
    }

    [Test]
    public async Task An_order_sent_again_after_its_customer_was_erased_is_still_a_duplicate_by_post_and_in_bulk()
    {
        var customerId = await KnownCustomerAsync(UniqueEmail());
        var row = new { source = "shop", externalOrderId = Unique("ext"), customerId, amount = 5m, currency = "USD" };
        using var placed = await PostOrderAsync(row);
        Assert.That((int)placed.StatusCode, Is.EqualTo(201));
        var id = (await placed.ReadJsonAsync()).GetProperty("id").GetString();

        await PublishAsync(new CustomerErasedIntegrationEvent(customerId, "gone@example.com"));
        await Eventually.ThatAsync(async () =>
        {
            await using var session = Store.OpenSession();
            return await session.LoadAsync<OrderCustomer>(customerId) is null;
        }, "the Orders module forgets the customer");

        using var again = await PostOrderAsync(row);
        Assert.That((int)again.StatusCode, Is.EqualTo(200));
        using var bulk = await Client.PostAsJsonAsync(Url("/api/v1/orders/bulk"), new[] { row });
        var result = await bulk.ReadJsonAsync();
        Assert.That(result.GetProperty("unchanged").GetInt32(), Is.EqualTo(1), result.GetRawText());
        Assert.That(result.GetProperty("failed").GetInt32(), Is.Zero);
        Assert.That(result.GetProperty("duplicates")[0].GetProperty("id").GetString(), Is.EqualTo(id));
    }

    [Test]
    public async Task The_export_section_orders_holds_every_order_of_the_person()
    {
        var email = UniqueEmail();
        var customerId = await KnownCustomerAsync(email);
        var a = (await PlaceAsync(customerId: customerId, amount: 3m)).GetProperty("id").GetString();
        var b = (await PlaceAsync(email: email, amount: 4m)).GetProperty("id").GetString();
        await PlaceAsync(email: UniqueEmail());

        var source = Factory.Services.GetServices<IPersonalDataSource>().Single(s => s.Section == "orders");
        var export = await source.ExportAsync(customerId, email, CancellationToken.None);
        var nobody = await source.ExportAsync("nobody", UniqueEmail(), CancellationToken.None);

        var json = JsonSerializer.SerializeToElement(export, JsonSerializerOptions.Web);
        Assert.That(json.EnumerateArray().Select(o => o.GetProperty("id").GetString()), Is.EquivalentTo(new[] { a, b }));
        Assert.That(nobody, Is.Null);
    }

    [Test]
    public async Task A_customers_export_through_the_api_holds_their_orders_under_orders()
    {
        var email = UniqueEmail();
        using var created = await Client.PostAsJsonAsync(Url("/api/v1/customers"), new { email, name = "Export Me" });
        var customerId = (await created.ReadJsonAsync()).GetProperty("id").GetString()!;
        var order = (await PlaceAsync(email: email, amount: 42m)).GetProperty("id").GetString();

        using var response = await Client.GetAsync(Url($"/api/v1/customers/{customerId}/export"));
        var export = await response.ReadJsonAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(200), export.GetRawText());
        var orders = export.GetProperty("sections").GetProperty("orders");
        Assert.That(orders.EnumerateArray().Select(o => o.GetProperty("id").GetString()), Is.EqualTo(new[] { order }));
    }

    [Test]
    public async Task Deleting_a_customer_through_the_api_removes_their_email_from_their_orders()
    {
        var email = UniqueEmail();
        using var created = await Client.PostAsJsonAsync(Url("/api/v1/customers"), new { email, name = "Forget Me" });
        var customerId = (await created.ReadJsonAsync()).GetProperty("id").GetString()!;
        var order = (await PlaceAsync(email: email, amount: 9m)).GetProperty("id").GetString()!;

        using var deleted = await Client.DeleteAsync(Url($"/api/v1/customers/{customerId}"));
        Assert.That((int)deleted.StatusCode, Is.LessThan(300), await deleted.Content.ReadAsStringAsync());

        await Eventually.ThatAsync(async () => (await LoadOrderAsync(order))?.CustomerEmail is null, "the order forgets the email");
        Assert.That((await LoadOrderAsync(order))!.Amount, Is.EqualTo(9m));
    }

    [Test]
    public async Task A_snapshot_older_than_the_copy_changes_nothing()
    {
        var email = UniqueEmail();
        var customerId = await KnownCustomerAsync(email);
        var newer = UniqueEmail();
        await PublishAsync(new CustomerUpdatedIntegrationEvent(new CustomerSnapshot { Id = customerId, Email = newer, Version = 5 }, ["email"]));
        await Eventually.ThatAsync(async () => (await LoadCopyAsync(customerId))?.Email == newer, "the copy takes the newer email");

        await PublishAsync(new CustomerUpdatedIntegrationEvent(new CustomerSnapshot { Id = customerId, Email = email, Version = 3 }, ["email"]));
        var marker = UniqueEmail();
        await PublishAsync(new CustomerUpdatedIntegrationEvent(new CustomerSnapshot { Id = customerId, Email = marker, Version = 6 }, ["email"]));
        await Eventually.ThatAsync(async () => (await LoadCopyAsync(customerId))?.Email == marker, "the later snapshot is applied");

        var order = await PlaceAsync(email: email);
        Assert.That(order.GetProperty("customerId").ValueKind, Is.EqualTo(JsonValueKind.Null), "the stale email was never taken back");
    }

    private async Task<OrderCustomer?> LoadCopyAsync(string id)
    {
        await using var session = Store.OpenSession();
        return await session.LoadAsync<OrderCustomer>(id);
    }
}
