using System.Net;

namespace Crm.Host.Tests;

public sealed class WebAppTests
{
    [Test]
    public async Task With_a_built_web_app_client_routes_fall_back_to_index_html_but_api_routes_do_not()
    {
        await using var factory = new CrmHostFactory();
        var webRoot = Directory.CreateDirectory(Path.Combine(factory.Folder, "wwwroot")).FullName;
        await File.WriteAllTextAsync(Path.Combine(webRoot, "index.html"), "<!doctype html><title>Crm</title><div id=root></div>");
        await File.WriteAllTextAsync(Path.Combine(webRoot, "app.js"), "console.log('crm');");
        factory.WithSetting("webroot", webRoot);
        using var client = factory.CreateClient();

        using var page = await client.GetAsync(new Uri("/customers/42", UriKind.Relative));
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("<div id=root>"));

        using var script = await client.GetAsync(new Uri("/app.js", UriKind.Relative));
        Assert.That(await script.Content.ReadAsStringAsync(), Does.Contain("console.log"));

        using var api = await client.GetAsync(new Uri("/api/v1/customers/42", UriKind.Relative));
        await api.ReadProblemAsync(404);

        using var health = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.That(health.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
    }

    [Test]
    public async Task Without_a_built_web_app_unknown_paths_are_404()
    {
        await using var factory = new CrmHostFactory();
        factory.WithSetting("webroot", Directory.CreateDirectory(Path.Combine(factory.Folder, "empty-wwwroot")).FullName);
        using var client = factory.CreateClient();

        using var page = await client.GetAsync(new Uri("/customers/42", UriKind.Relative));

        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
