using System.Net.Http.Json;
using System.Text.Json;

namespace Crm.Modules.Identity.Tests.Support;

internal static class AdminRequests
{
    public const string ApiKeys = "/api/v1/apikeys";

    public const string Users = "/api/v1/users";

    public const string Audit = "/api/v1/audit";

    /// <summary>POST /api/v1/apikeys, asserting 201; the answer, which holds the key.</summary>
    public static async Task<JsonElement> CreateApiKeyAsync(this HttpClient client, params string[] permissions)
    {
        using var response = await client.PostAsJsonAsync(ApiKeys, new { name = $"key {Guid.NewGuid():N}", permissions });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(201), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>POST /api/v1/users/invitations, asserting 201; the answer (user and invitation code).</summary>
    public static async Task<JsonElement> InviteAsync(this HttpClient client, string email, string role)
    {
        using var response = await client.PostAsJsonAsync($"{Users}/invitations", new { email, role });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(201), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Every audit line matching <paramref name="query"/>, newest first (one page of 200).</summary>
    public static async Task<IReadOnlyList<JsonElement>> AuditAsync(this HttpClient client, string query) =>
        [.. (await client.GetJsonAsync($"{Audit}?limit=200&{query}")).GetProperty("items").EnumerateArray()];

    public static string Email(string label) => $"{label}-{Guid.NewGuid():N}@example.com";

    public static string Id(this JsonElement element) => element.GetProperty("id").GetString()!;
}
