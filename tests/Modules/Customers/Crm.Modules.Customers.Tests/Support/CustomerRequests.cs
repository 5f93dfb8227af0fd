using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.Modules.Customers.Tests.Support;

/// <summary>The calls the customer API tests make, so each test reads as what it checks.</summary>
internal static class CustomerRequests
{
    public const string Path = "/api/v1/customers";

    public static string NewEmail(string name = "ann") => $"{name}.{Guid.NewGuid():N}@example.com";

    public static JsonObject Body(string? email = null, string? name = "Ann Example") => new()
    {
        ["email"] = email ?? NewEmail(),
        ["name"] = name,
    };

    public static StringContent Json(string text, string mediaType = "application/json") => new(text, Encoding.UTF8, mediaType);

    public static StringContent Json(JsonNode body, string mediaType = "application/json") => Json(body.ToJsonString(), mediaType);

    public static async Task<JsonElement> CreateAsync(this HttpClient client, JsonNode body)
    {
        using var response = await client.PostAsync(Path, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<JsonElement> CreateAsync(this HttpClient client, string? email = null, string? name = "Ann Example") =>
        client.CreateAsync(Body(email, name));

    public static async Task<JsonElement> GetCustomerAsync(this HttpClient client, string id)
    {
        using var response = await client.GetAsync($"{Path}/{id}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    public static async Task<HttpResponseMessage> PatchAsync(this HttpClient client, string id, string patch, string? ifMatch = null, string mediaType = "application/merge-patch+json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{Path}/{id}") { Content = Json(patch, mediaType) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> PostWithKeyAsync(this HttpClient client, string path, HttpContent content, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    public static string[] FieldErrors(this JsonElement problem, string field) =>
        problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var messages)
            ? [.. messages.EnumerateArray().Select(m => m.GetString()!)]
            : [];

    public static async Task<JsonElement> ReadJsonAsync(this HttpContent content) => await content.ReadFromJsonAsync<JsonElement>();
}
