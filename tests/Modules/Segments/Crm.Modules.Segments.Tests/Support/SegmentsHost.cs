using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Crm.Modules.Segments.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Segments.Tests.Support;

/// <summary>
/// The real host, with a subscriber recording the membership events Segments publishes. Customers and orders go in
/// through the Customers and Orders APIs and reach Segments as events through the real outbox, as in production.
/// Each test marks its customers with a tag of its own, so tests sharing the host do not see each other's customers.
/// </summary>
public abstract class SegmentsHostFixture : HostFixture
{
    internal MembershipLog Memberships => Factory.Services.GetRequiredService<MembershipLog>();

    protected override CrmHostFactory CreateFactory() =>
        new CrmHostFactory()
            .WithSetting("Segments:MembershipInterval", "00:00:00.100")
            .WithTestServices(services => services
                .AddSingleton<MembershipLog>()
                .AddIntegrationEventHandler<SegmentMembershipChangedIntegrationEvent, RecordMembership>());

    protected static Uri Url(string path) => new(path, UriKind.Relative);

    protected static string NewTag() => "t" + Guid.NewGuid().ToString("N")[..12];

    protected static string Json(string singleQuoted) => singleQuoted.Replace('\'', '"');

    protected static object TagRule(string tag) => new { field = "tags", @operator = "contains", value = tag };

    /// <summary>Creates a customer through POST /api/v1/customers and returns their id.</summary>
    protected async Task<string> CreateCustomerAsync(object body)
    {
        using var response = await Client.PostAsJsonAsync(Url("/api/v1/customers"), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(201), text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    protected static string Email() => $"{Guid.NewGuid():N}@example.com";

    protected async Task<HttpResponseMessage> PostJsonAsync(string path, string json) =>
        await Client.PostAsync(Url(path), new StringContent(json, Encoding.UTF8, "application/json"));

    protected async Task<JsonElement> PreviewAsync(object rules, int? sampleSize = null)
    {
        using var response = await Client.PostAsJsonAsync(Url("/api/v1/segments/preview"), new { rules, sampleSize });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Waits until a preview of <paramref name="rules"/> counts <paramref name="count"/> customers, and returns it.</summary>
    protected async Task<JsonElement> PreviewUntilAsync(object rules, long count)
    {
        JsonElement last = default;
        try
        {
            await Eventually.ThatAsync(
                async () => (last = await PreviewAsync(rules)).GetProperty("count").GetInt64() == count,
                $"the preview counts {count} customers",
                TimeSpan.FromSeconds(30));
        }
        catch (AssertionException)
        {
            Assert.Fail($"The preview of {JsonSerializer.Serialize(rules)} never counted {count}; the last answer was {last}");
        }

        return last;
    }

    protected async Task<JsonElement> CreateSegmentAsync(string name, object rules, string? description = null)
    {
        using var response = await Client.PostAsJsonAsync(Url("/api/v1/segments"), new { name, description, rules });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(201), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    protected async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(Url(path));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    protected static IReadOnlyList<string> Ids(JsonElement items) =>
        items.EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
}

/// <summary>Membership events as a subscriber (the Campaigns module, later) receives them.</summary>
internal sealed class MembershipLog
{
    public ConcurrentQueue<SegmentMembershipChangedIntegrationEvent> Events { get; } = new();

    public bool Entered(string segmentId, string customerId) =>
        Events.Any(e => e.SegmentId == segmentId && e.Entered.Contains(customerId));

    public bool Left(string segmentId, string customerId) =>
        Events.Any(e => e.SegmentId == segmentId && e.Left.Contains(customerId));
}

internal sealed class RecordMembership(MembershipLog log) : IIntegrationEventHandler<SegmentMembershipChangedIntegrationEvent>
{
    public Task HandleAsync(SegmentMembershipChangedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        log.Events.Enqueue(integrationEvent);
        return Task.CompletedTask;
    }
}
