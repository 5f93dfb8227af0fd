using System.Net;
using System.Text.Json;

namespace Crm.Host.Tests;

public sealed class HealthTests : HostFixture
{
    [Test]
    public async Task Live_answers_200_without_touching_dependencies()
    {
        using var response = await Client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await response.ReadJsonAsync();
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
        Assert.That(body.GetProperty("checks").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Ready_answers_200_with_a_healthy_store_check_over_a_real_sqlite_file()
    {
        using var response = await Client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var checks = ChecksByName(await response.ReadJsonAsync());
        Assert.That(checks, Does.ContainKey("store"));
        Assert.That(checks["store"], Is.EqualTo("Healthy"));
        Assert.That(checks, Does.Not.ContainKey("redis"), "Redis is checked only when configured");
        Assert.That(File.Exists(Path.Combine(Factory.Folder, "crm.db")), Is.True, "the store runs on the test's own SQLite file");
    }

    internal static Dictionary<string, string> ChecksByName(JsonElement body) =>
        body.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString()!, StringComparer.Ordinal);
}
