using System.Net;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Tests.Support;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Segments.Tests.IntegrationEventHandlers;

[TestFixture]
public sealed class CustomerErasureTests : SegmentsHostFixture
{
    [Test]
    public async Task An_erased_customer_leaves_every_segment_and_segments_keep_nothing_of_theirs()
    {
        var tag = NewTag();
        var erased = await CreateCustomerAsync(new { email = Email(), name = "Gone Soon", tags = new[] { tag, "vip" + tag }, profile = new { city = "Porto" } });
        var stays = await CreateCustomerAsync(new { email = Email(), tags = new[] { tag } });
        await PreviewUntilAsync(TagRule(tag), 2);
        var all = (await CreateSegmentAsync("All " + tag, TagRule(tag))).GetProperty("id").GetString();
        var vips = (await CreateSegmentAsync("Vip " + tag, TagRule("vip" + tag))).GetProperty("id").GetString();

        using var erase = await Client.DeleteAsync(Url($"/api/v1/customers/{erased}"));
        Assert.That(erase.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        await PreviewUntilAsync(TagRule(tag), 1);
        var allMembers = Ids((await GetJsonAsync($"/api/v1/segments/{all}/members")).GetProperty("items"));
        var vipMembers = Ids((await GetJsonAsync($"/api/v1/segments/{vips}/members")).GetProperty("items"));
        await using var session = Factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        var profile = await session.LoadAsync<AudienceProfile>(erased);

        Assert.Multiple(() =>
        {
            Assert.That(allMembers, Is.EqualTo(new[] { stays }));
            Assert.That(vipMembers, Is.Empty);
            Assert.That(profile, Is.Null);
        });
    }
}
