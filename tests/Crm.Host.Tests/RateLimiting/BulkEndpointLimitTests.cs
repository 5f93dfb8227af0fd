using System.Net;
using System.Text;

namespace Crm.Host.Tests.RateLimiting;

/// <summary>The ingestion endpoints (bulk upserts and CSV imports) are counted under the bulk policy, apart from other calls.</summary>
public sealed class BulkEndpointLimitTests
{
    [TestCase("/api/v1/customers/bulk", "application/x-ndjson", "{\"email\":\"bulk.limit@example.com\"}\n")]
    [TestCase("/api/v1/orders/bulk", "application/x-ndjson", "{\"source\":\"shop\",\"externalOrderId\":\"limit-1\",\"email\":\"bulk.limit@example.com\",\"amount\":5,\"currency\":\"USD\",\"orderedAt\":\"2026-01-01T00:00:00Z\"}\n")]
    [TestCase("/api/v1/customers/imports", "text/csv", "email\nbulk.limit@example.com\n")]
    public async Task A_caller_over_the_bulk_limit_is_refused_further_ingestion_calls_but_not_other_calls(string path, string mediaType, string body)
    {
        await using var factory = new CrmHostFactory()
            .WithSetting("RateLimiting:Bulk:PermitLimit", "1")
            .WithSetting("RateLimiting:Bulk:Window", "00:05:00");
        using var client = factory.CreateClient();

        using var first = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, mediaType));
        Assert.That((int)first.StatusCode, Is.LessThan(300), await first.Content.ReadAsStringAsync());

        using var second = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, mediaType));
        var problem = await second.ReadProblemAsync(429);
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("rate_limit.exceeded"));
        Assert.That(second.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));

        using var list = await client.GetAsync(new Uri("/api/v1/customers?limit=1", UriKind.Relative));
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
