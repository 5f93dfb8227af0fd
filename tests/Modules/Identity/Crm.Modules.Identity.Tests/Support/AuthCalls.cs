using System.Net.Http.Json;
using System.Text.Json;

namespace Crm.Modules.Identity.Tests.Support;

/// <summary>The sign-in API as a client calls it.</summary>
internal static class AuthCalls
{
    public static readonly Uri Login = new("/api/v1/auth/login", UriKind.Relative);
    public static readonly Uri Refresh = new("/api/v1/auth/refresh", UriKind.Relative);
    public static readonly Uri Logout = new("/api/v1/auth/logout", UriKind.Relative);
    public static readonly Uri Me = new("/api/v1/auth/me", UriKind.Relative);
    public static readonly Uri Setup = new("/api/v1/auth/setup", UriKind.Relative);

    /// <summary>A real protected endpoint (customers:read), the target of the attack cases.</summary>
    public static readonly Uri Customers = new("/api/v1/customers", UriKind.Relative);

    public static Task<HttpResponseMessage> LogInAsync(this HttpClient client, string email, string password) =>
        client.PostAsJsonAsync(Login, new { email, password });

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient client, string refreshToken) =>
        client.PostAsJsonAsync(Refresh, new { refreshToken });

    public static async Task<JsonElement> TokensAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public static string Access(this JsonElement tokens) => tokens.GetProperty("accessToken").GetString()!;

    public static string RefreshToken(this JsonElement tokens) => tokens.GetProperty("refreshToken").GetString()!;

    /// <summary>The caller is refused as unauthenticated: a 401 problem with a Bearer challenge.</summary>
    public static async Task AssertUnauthorizedAsync(this HttpResponseMessage response)
    {
        await response.ReadProblemAsync(401);
        Assert.That(response.Headers.WwwAuthenticate.Select(h => h.Scheme), Does.Contain("Bearer"));
    }
}
