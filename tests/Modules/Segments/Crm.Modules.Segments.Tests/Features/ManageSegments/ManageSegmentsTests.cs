using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Modules.Segments.Tests.Support;

namespace Crm.Modules.Segments.Tests.Features.ManageSegments;

[TestFixture]
public sealed class ManageSegmentsTests : SegmentsHostFixture
{
    [Test]
    public async Task A_saved_segment_keeps_its_rules_as_the_tree_and_counts_its_members()
    {
        var tag = NewTag();
        await CreateCustomerAsync(new { email = Email(), tags = new[] { tag } });
        await PreviewUntilAsync(TagRule(tag), 1);
        object[] flat = [new { field = "tags", @operator = "contains", value = tag.ToUpperInvariant() }];

        using var created = await Client.PostAsJsonAsync(Url("/api/v1/segments"), new { name = "Fans " + tag, description = "Everyone tagged", rules = flat });
        var body = await created.Content.ReadAsStringAsync();
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), body);
        var segment = JsonDocument.Parse(body).RootElement;
        var id = segment.GetProperty("id").GetString()!;
        var fetched = await GetJsonAsync($"/api/v1/segments/{id}");

        Assert.Multiple(() =>
        {
            Assert.That(created.Headers.Location!.ToString(), Is.EqualTo($"/api/v1/segments/{id}"));
            Assert.That(created.Headers.ETag, Is.Not.Null);
            Assert.That(segment.GetProperty("createdBy").GetString(), Is.Not.Empty);
            Assert.That(fetched.GetProperty("rules").GetProperty("rules")[0].GetProperty("value").GetString(), Is.EqualTo(tag));
            Assert.That(fetched.GetProperty("memberCount").GetInt64(), Is.EqualTo(1));
            Assert.That(fetched.GetProperty("description").GetString(), Is.EqualTo("Everyone tagged"));
        });
    }

    [Test]
    public async Task Names_are_unique_whatever_their_case()
    {
        var name = "Big spenders " + NewTag();
        await CreateSegmentAsync(name, TagRule("x"));

        using var again = await Client.PostAsJsonAsync(Url("/api/v1/segments"), new { name = name.ToUpperInvariant(), rules = TagRule("y") });

        var problem = await again.ReadProblemAsync(409);
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("segments.name_taken"));
    }

    [Test]
    public async Task A_segment_without_a_name_or_with_invalid_rules_is_refused_field_by_field()
    {
        using var response = await PostJsonAsync("/api/v1/segments", Json("{'nmae':'x','rules':{'rules':[{'field':'age','operator':'contains','value':1}]}}"));

        var errors = (await response.ReadProblemAsync(400)).GetProperty("errors");
        Assert.Multiple(() =>
        {
            Assert.That(errors.TryGetProperty("name", out _), Is.True);
            Assert.That(errors.TryGetProperty("nmae", out _), Is.True);
            Assert.That(errors.TryGetProperty("rules.rules[0].operator", out _), Is.True);
        });
    }

    [Test]
    public async Task An_update_raises_the_version_and_a_stale_if_match_is_refused()
    {
        var segment = await CreateSegmentAsync("Update me " + NewTag(), TagRule("a"));
        var id = segment.GetProperty("id").GetString()!;
        var version = segment.GetProperty("version").GetInt64();

        using var update = new HttpRequestMessage(HttpMethod.Put, Url($"/api/v1/segments/{id}")) { Content = JsonContent.Create(new { name = "Renamed " + id, rules = TagRule("b") }) };
        update.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        using var updated = await Client.SendAsync(update);
        var body = JsonDocument.Parse(await updated.Content.ReadAsStringAsync()).RootElement;

        using var stale = new HttpRequestMessage(HttpMethod.Put, Url($"/api/v1/segments/{id}")) { Content = JsonContent.Create(new { name = "Again", rules = TagRule("c") }) };
        stale.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        using var refused = await Client.SendAsync(stale);

        Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.GetProperty("version").GetInt64(), Is.GreaterThan(version));
        Assert.That(body.GetProperty("rules").GetProperty("rules")[0].GetProperty("value").GetString(), Is.EqualTo("b"));
        await refused.ReadProblemAsync(412);
    }

    [Test]
    public async Task A_deleted_segment_is_gone_and_lists_page_through_the_rest()
    {
        var first = await CreateSegmentAsync("Page " + NewTag(), TagRule("a"));
        await CreateSegmentAsync("Page " + NewTag(), TagRule("a"));
        await CreateSegmentAsync("Page " + NewTag(), TagRule("a"));
        var id = first.GetProperty("id").GetString()!;

        using var deleted = await Client.DeleteAsync(Url($"/api/v1/segments/{id}"));
        using var missing = await Client.GetAsync(Url($"/api/v1/segments/{id}"));
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetJsonAsync("/api/v1/segments?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(Ids(page.GetProperty("items")));
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        while (cursor is not null);

        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await missing.ReadProblemAsync(404);
        Assert.That(seen, Does.Not.Contain(id));
        Assert.That(seen, Is.Unique);
        Assert.That(seen, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(seen, Has.Count.GreaterThanOrEqualTo(2));
    }

    [Test]
    public async Task Analysts_may_save_segments_and_viewers_may_only_read_them()
    {
        using var analyst = await Factory.CreateClientAsAsync("Analyst");
        using var viewer = await Factory.CreateClientAsAsync("Viewer");

        using var saved = await analyst.PostAsJsonAsync(Url("/api/v1/segments"), new { name = "Analyst " + NewTag(), rules = TagRule("a") });
        var id = JsonDocument.Parse(await saved.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        using var read = await viewer.GetAsync(Url($"/api/v1/segments/{id}"));
        using var delete = await viewer.DeleteAsync(Url($"/api/v1/segments/{id}"));

        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
