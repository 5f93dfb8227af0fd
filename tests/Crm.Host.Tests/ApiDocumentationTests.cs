using System.Net;
using System.Text.Json;

namespace Crm.Host.Tests;

public sealed class ApiDocumentationTests : HostFixture
{
    [Test]
    public async Task The_openapi_document_is_served_as_valid_openapi_json()
    {
        using var response = await Client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;
        Assert.That(root.GetProperty("openapi").GetString(), Does.StartWith("3."));
        Assert.That(root.GetProperty("paths").ValueKind, Is.EqualTo(JsonValueKind.Object));
        Assert.That(root.GetProperty("info").GetProperty("title").GetString(), Is.EqualTo("Crm API"));
    }

    [Test]
    public async Task The_docs_page_serves_the_scalar_reference_reading_the_openapi_document()
    {
        using var response = await Client.GetAsync(new Uri("/docs", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(html, Does.Contain("scalar").IgnoreCase);
        // Scalar writes the document's route relative to the app's base path, which it derives from /docs/.
        Assert.That(html, Does.Contain("\"url\":\"openapi/v1.json\""));

        var page = response.RequestMessage!.RequestUri!;
        using var script = await Client.GetAsync(new Uri(page, "scalar.js"));
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"the page's script at {new Uri(page, "scalar.js")}");
    }

    [Test]
    public async Task The_openapi_document_says_which_operations_need_a_bearer_token()
    {
        using var response = await Client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = document.RootElement;

        Assert.That(root.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString(), Is.EqualTo("bearer"));
        var paths = root.GetProperty("paths");
        Assert.That(paths.GetProperty("/api/v1/customers").GetProperty("get").TryGetProperty("security", out _), Is.True);
        Assert.That(paths.GetProperty("/api/v1/auth/login").GetProperty("post").TryGetProperty("security", out _), Is.False);
    }
}
