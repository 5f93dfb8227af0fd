using System.Net;
using System.Text;
using Crm.Modules.Segments.Tests.Support;

namespace Crm.Modules.Segments.Tests.Membership;

[TestFixture]
public sealed class MembershipChangesTests : SegmentsHostFixture
{
    [Test]
    public async Task A_customer_who_starts_to_match_a_saved_segment_is_announced_as_entering_and_later_as_leaving()
    {
        var tag = NewTag();
        var before = await CreateCustomerAsync(new { email = Email(), tags = new[] { tag } });
        await PreviewUntilAsync(TagRule(tag), 1);
        var segment = (await CreateSegmentAsync("Entry " + tag, TagRule(tag))).GetProperty("id").GetString()!;

        var newcomer = await CreateCustomerAsync(new { email = Email(), tags = new[] { tag } });
        await Eventually.ThatAsync(() => Task.FromResult(Memberships.Entered(segment, newcomer)), "the newcomer is announced", TimeSpan.FromSeconds(30));

        using var patch = new HttpRequestMessage(HttpMethod.Patch, Url($"/api/v1/customers/{newcomer}"))
        {
            Content = new StringContent("{\"tags\":[]}", Encoding.UTF8, "application/merge-patch+json"),
        };
        using var patched = await Client.SendAsync(patch);
        Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await Eventually.ThatAsync(() => Task.FromResult(Memberships.Left(segment, newcomer)), "the customer is announced as leaving", TimeSpan.FromSeconds(30));

        Assert.That(Memberships.Entered(segment, before), Is.False, "members when the segment was saved did not enter it");
    }

    [Test]
    public async Task Changing_a_segments_rules_announces_who_enters_and_leaves_at_the_new_version()
    {
        var a = NewTag();
        var b = NewTag();
        var inA = await CreateCustomerAsync(new { email = Email(), tags = new[] { a } });
        var inB = await CreateCustomerAsync(new { email = Email(), tags = new[] { b } });
        await PreviewUntilAsync(TagRule(b), 1);
        var created = await CreateSegmentAsync("Moving " + a, TagRule(a));
        var segment = created.GetProperty("id").GetString()!;

        using var update = new HttpRequestMessage(HttpMethod.Put, Url($"/api/v1/segments/{segment}"))
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { name = "Moving " + a, rules = TagRule(b) }),
        };
        using var updated = await Client.SendAsync(update);
        Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        await Eventually.ThatAsync(() => Task.FromResult(Memberships.Entered(segment, inB) && Memberships.Left(segment, inA)), "the change of rules is announced", TimeSpan.FromSeconds(30));
        var announcement = Memberships.Events.First(e => e.SegmentId == segment && e.Entered.Contains(inB));
        Assert.That(announcement.SegmentVersion, Is.GreaterThan(created.GetProperty("version").GetInt64()));
    }
}
