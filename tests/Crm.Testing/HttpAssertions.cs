using System.Net.Http.Json;
using System.Text.Json;

namespace Crm.Testing;

public static class HttpAssertions
{
    /// <summary>Reads a problem response after checking it is one (status and media type).</summary>
    public static async Task<JsonElement> ReadProblemAsync(this HttpResponseMessage response, int expectedStatus)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(expectedStatus), body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
        using var document = JsonDocument.Parse(body);
        var problem = document.RootElement.Clone();
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(expectedStatus));
        Assert.That(problem.GetProperty("title").GetString(), Is.Not.Empty);
        Assert.That(problem.GetProperty("type").GetString(), Is.Not.Empty);
        Assert.That(problem.GetProperty("traceId").GetString(), Is.Not.Empty);
        return problem;
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();
}
