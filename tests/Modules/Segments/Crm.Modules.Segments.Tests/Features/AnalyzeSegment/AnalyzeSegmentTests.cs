using System.Net.Http.Json;
using System.Text.Json;
using Crm.Modules.Segments.Tests.Support;

namespace Crm.Modules.Segments.Tests.Features.AnalyzeSegment;

[TestFixture]
public sealed class AnalyzeSegmentTests : SegmentsHostFixture
{
    [Test]
    public async Task Analysis_breaks_a_segment_down_and_projects_a_flagged_baseline()
    {
        var tag = NewTag();
        var optedIn = new { email = new { status = "optedIn" } };
        await CreateCustomerAsync(new { email = Email(), tags = new[] { tag }, profile = new { city = "Berlin", country = "DE", gender = "female", age = 30 }, consent = optedIn });
        await CreateCustomerAsync(new { email = Email(), tags = new[] { tag }, profile = new { city = "Berlin", country = "DE", age = 70 } });
        await CreateCustomerAsync(new { email = Email(), tags = new[] { tag }, profile = new { city = "Paris", country = "FR" } });
        await PreviewUntilAsync(TagRule(tag), 3);

        using var response = await Client.PostAsJsonAsync(Url("/api/v1/segments/analyze"), new
        {
            rules = TagRule(tag),
            analysis_type = "demographic_breakdown",
            projection = new { channel = "email" },
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        var analysis = JsonDocument.Parse(text).RootElement;
        var distributions = analysis.GetProperty("distributions");
        var city = distributions.GetProperty("city").EnumerateArray().ToDictionary(b => b.GetProperty("label").GetString()!, b => b.GetProperty("count").GetInt64());
        var ages = distributions.GetProperty("age").EnumerateArray().ToDictionary(b => b.GetProperty("label").GetString()!, b => b.GetProperty("count").GetInt64());
        var projection = analysis.GetProperty("projection")[0];

        Assert.Multiple(() =>
        {
            Assert.That(analysis.GetProperty("size").GetInt64(), Is.EqualTo(3));
            Assert.That(analysis.GetProperty("share").GetDouble(), Is.GreaterThan(0).And.LessThanOrEqualTo(1));
            Assert.That(city, Is.EquivalentTo(new Dictionary<string, long> { ["Berlin"] = 2, ["Paris"] = 1 }));
            Assert.That(ages["25-34"], Is.EqualTo(1));
            Assert.That(ages["65+"], Is.EqualTo(1));
            Assert.That(ages["unknown"], Is.EqualTo(1));
            Assert.That(distributions.GetProperty("spend")[0].GetProperty("count").GetInt64(), Is.EqualTo(3));
            Assert.That(distributions.GetProperty("recency").EnumerateArray().Last().GetProperty("count").GetInt64(), Is.EqualTo(3));
            Assert.That(analysis.GetProperty("reachable").GetProperty("email").GetInt64(), Is.EqualTo(1));
            Assert.That(projection.GetProperty("channel").GetString(), Is.EqualTo("email"));
            Assert.That(projection.GetProperty("baseline").GetBoolean(), Is.True);
            Assert.That(projection.GetProperty("reachable").GetInt64(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task An_unknown_analysis_type_or_projection_answers_400()
    {
        using var type = await PostJsonAsync("/api/v1/segments/analyze", Json("{'rules':{'field':'age','operator':'>','value':1},'analysis_type':'astrology'}"));
        using var projection = await PostJsonAsync("/api/v1/segments/analyze", Json("{'rules':{'field':'age','operator':'>','value':1},'projection':{'channel':'fax'}}"));

        Assert.That((await type.ReadProblemAsync(400)).GetProperty("errors").TryGetProperty("analysisType", out _), Is.True);
        Assert.That((await projection.ReadProblemAsync(400)).GetProperty("errors").TryGetProperty("projection", out _), Is.True);
    }
}
