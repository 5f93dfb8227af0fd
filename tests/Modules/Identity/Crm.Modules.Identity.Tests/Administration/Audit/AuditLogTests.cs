using System.Net;
using System.Text.Json;
using Crm.Modules.Campaigns.Contracts;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.Tests.Administration.Audit;

public sealed class AuditLogTests : HostFixture
{
    [Test]
    public async Task The_log_is_newest_first_filtered_by_action_and_paged_without_repeats()
    {
        var targets = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            targets.Add((await Client.InviteAsync(AdminRequests.Email($"audit{i}"), Roles.Viewer)).GetProperty("user").Id());
        }

        var seen = new List<JsonElement>();
        string? next = null;
        do
        {
            var page = await Client.GetJsonAsync($"{AdminRequests.Audit}?action=user_invited&limit=2{(next is null ? "" : $"&next={next}")}");
            seen.AddRange(page.GetProperty("items").EnumerateArray());
            next = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
        }
        while (next is not null);

        Assert.That(seen.Select(e => e.Id()), Is.Unique);
        Assert.That(seen.All(e => e.GetProperty("action").GetString() == "user_invited"), Is.True);
        var ours = seen.Select(e => e.GetProperty("targetId").GetString()!).Where(targets.Contains).ToList();
        Assert.That(ours, Is.EqualTo(Enumerable.Reverse(targets).ToList()));
        Assert.That(seen.Select(e => e.GetProperty("at").GetDateTimeOffset()), Is.Ordered.Descending);
    }

    [Test]
    public async Task The_log_filters_by_actor_and_time_window()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var invited = (await Client.InviteAsync(AdminRequests.Email("window"), Roles.Viewer)).GetProperty("user");
        var actor = invited.GetProperty("invitedBy").GetString()!;
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        var inWindow = await Client.AuditAsync($"actorId={actor}&from={Uri.EscapeDataString(before.ToString("O"))}&to={Uri.EscapeDataString(after.ToString("O"))}");
        var earlier = await Client.AuditAsync($"targetId={invited.Id()}&to={Uri.EscapeDataString(before.ToString("O"))}");

        Assert.That(inWindow.Select(e => e.GetProperty("targetId").GetString()), Does.Contain(invited.Id()));
        Assert.That(inWindow.All(e => e.GetProperty("actorId").GetString() == actor), Is.True);
        Assert.That(earlier, Is.Empty);
    }

    [TestCase("from=yesterday", "from")]
    [TestCase("limit=1000", "limit")]
    [TestCase("next=bm90LWEtY3Vyc29y", "next")]
    public async Task A_bad_parameter_is_a_400_naming_it(string query, string field)
    {
        using var response = await Client.GetAsync($"{AdminRequests.Audit}?{query}");

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.That(errors.TryGetProperty(field, out _), Is.True, errors.GetRawText());
    }

    [Test]
    public async Task The_log_is_for_callers_with_audit_read_only()
    {
        using var marketer = await Factory.CreateClientAsAsync(Roles.Marketer);

        using var response = await marketer.GetAsync(AdminRequests.Audit);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_campaign_activation_published_by_campaigns_becomes_one_audit_line()
    {
        var campaignId = Guid.NewGuid().ToString("N");
        var time = Factory.Services.GetRequiredService<TimeProvider>();
        await using (var session = Factory.Services.GetRequiredService<IDocumentStore>().OpenSession())
        {
            session.Publish(new CampaignActivatedIntegrationEvent(campaignId, "Spring sale", "user-1", "marketer@example.com") { OccurredAt = time.GetUtcNow() });
            await session.SaveChangesAsync();
        }

        var lines = await EventuallyAsync(() => Client.AuditAsync($"action=campaign_activated&targetId={campaignId}"));

        Assert.That(lines, Has.Count.EqualTo(1));
        Assert.That(lines[0].GetProperty("actorId").GetString(), Is.EqualTo("user-1"));
        Assert.That(lines[0].GetProperty("actorEmail").GetString(), Is.EqualTo("marketer@example.com"));
        Assert.That(lines[0].GetProperty("detail").GetString(), Is.EqualTo("Spring sale"));
    }

    /// <summary>Events are delivered in the background: read until the line is there (or give up after 20 s).</summary>
    private static async Task<IReadOnlyList<JsonElement>> EventuallyAsync(Func<Task<IReadOnlyList<JsonElement>>> read)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var lines = await read();
            if (lines.Count > 0 || deadline.IsCancellationRequested)
            {
                return lines;
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }
}
