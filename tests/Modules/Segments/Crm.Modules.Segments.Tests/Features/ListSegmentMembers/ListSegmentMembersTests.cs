using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Crm.Modules.Segments.Tests.Support;

namespace Crm.Modules.Segments.Tests.Features.ListSegmentMembers;

[TestFixture]
public sealed class ListSegmentMembersTests : SegmentsHostFixture
{
    [Test]
    public async Task Members_page_in_id_order_without_repeats_or_gaps()
    {
        var tag = NewTag();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await CreateCustomerAsync(new { email = Email(), name = $"Member {i}", tags = new[] { tag } }));
        }

        await PreviewUntilAsync(TagRule(tag), 5);
        var segment = (await CreateSegmentAsync("Members " + tag, TagRule(tag))).GetProperty("id").GetString();

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetJsonAsync($"/api/v1/segments/{segment}/members?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.That(page.GetProperty("count").GetInt64(), Is.EqualTo(5));
            seen.AddRange(Ids(page.GetProperty("items")));
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.That(pages, Is.EqualTo(3));
        Assert.That(seen, Is.EqualTo(ids.Order(StringComparer.Ordinal).ToList()));
    }

    [Test]
    public async Task Members_export_as_csv_with_formulas_defused()
    {
        var tag = NewTag();
        await CreateCustomerAsync(new { email = Email(), name = "=HYPERLINK(\"http://x\")", tags = new[] { tag }, profile = new { city = "Köln, Altstadt", country = "DE" } });
        await CreateCustomerAsync(new { email = Email(), name = "Plain", tags = new[] { tag } });
        await PreviewUntilAsync(TagRule(tag), 2);
        var segment = (await CreateSegmentAsync("Csv " + tag, TagRule(tag))).GetProperty("id").GetString();

        using var request = new HttpRequestMessage(HttpMethod.Get, Url($"/api/v1/segments/{segment}/members"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await Client.SendAsync(request);
        var csv = await response.Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), csv);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[0], Does.StartWith("id,email,name"));
        Assert.That(csv, Does.Contain("\"'=HYPERLINK(\"\"http://x\"\")\""));
        Assert.That(csv, Does.Contain("\"Köln, Altstadt\",DE"));
    }

    [Test]
    public async Task A_bad_cursor_or_limit_answers_400_and_an_unknown_segment_404()
    {
        var segment = (await CreateSegmentAsync("Bad " + NewTag(), TagRule("x"))).GetProperty("id").GetString();

        using var cursor = await Client.GetAsync(Url($"/api/v1/segments/{segment}/members?cursor=nonsense"));
        using var limit = await Client.GetAsync(Url($"/api/v1/segments/{segment}/members?limit=0"));
        using var unknown = await Client.GetAsync(Url("/api/v1/segments/0000/members"));

        await cursor.ReadProblemAsync(400);
        await limit.ReadProblemAsync(400);
        await unknown.ReadProblemAsync(404);
    }
}
