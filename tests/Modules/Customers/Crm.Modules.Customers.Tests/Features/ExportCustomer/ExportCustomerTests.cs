using System.Net;
using Crm.Modules.Customers.Tests.Support;
using Crm.SharedKernel.Privacy;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers.Tests.Features.ExportCustomer;

public sealed class ExportCustomerTests : HostFixture
{
    [Test]
    public async Task An_export_holds_the_customer_with_consent_and_behaviour_and_a_section_per_module()
    {
        var body = CustomerRequests.Body();
        body["consent"] = new System.Text.Json.Nodes.JsonObject { ["push"] = new System.Text.Json.Nodes.JsonObject { ["status"] = "optedIn" } };
        var id = (await Client.CreateAsync(body)).GetProperty("id").GetString()!;
        using var visit = await Client.PostAsync($"{CustomerRequests.Path}/{id}/visits", null);

        using var response = await Client.GetAsync($"{CustomerRequests.Path}/{id}/export");
        var export = await response.ReadJsonAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), export.ToString());
        Assert.That(response.Content.Headers.ContentDisposition?.DispositionType, Is.EqualTo("attachment"));
        var customer = export.GetProperty("customer");
        Assert.That(customer.GetProperty("email").GetString(), Is.EqualTo(body["email"]!.GetValue<string>()));
        Assert.That(customer.GetProperty("consent").GetProperty("push").GetProperty("status").GetString(), Is.EqualTo("optedIn"));
        Assert.That(customer.GetProperty("behaviour").GetProperty("visitCount").GetInt32(), Is.EqualTo(1));
        var sections = export.GetProperty("sections");
        Assert.That(sections.GetProperty("loyalty").GetProperty("customerId").GetString(), Is.EqualTo(id));
        Assert.That(sections.GetProperty("loyalty").GetProperty("points").GetInt32(), Is.EqualTo(42));
        Assert.That(sections.GetProperty("newsletter").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
    }

    [Test]
    public async Task Exporting_an_unknown_customer_is_a_404()
    {
        using var response = await Client.GetAsync($"{CustomerRequests.Path}/{Guid.NewGuid():N}/export");

        await response.ReadProblemAsync(404);
    }

    protected override CrmHostFactory CreateFactory() => new CrmHostFactory().WithTestServices(services => services
        .AddSingleton<IPersonalDataSource, LoyaltySource>()
        .AddSingleton<IPersonalDataSource, NewsletterSource>());

    private sealed class LoyaltySource : IPersonalDataSource
    {
        public string Section => "loyalty";

        public Task<object?> ExportAsync(string customerId, string email, CancellationToken cancellationToken) =>
            Task.FromResult<object?>(new { customerId, points = 42 });
    }

    private sealed class NewsletterSource : IPersonalDataSource
    {
        public string Section => "newsletter";

        public Task<object?> ExportAsync(string customerId, string email, CancellationToken cancellationToken) => Task.FromResult<object?>(null);
    }
}
