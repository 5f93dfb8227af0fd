using System.Text;
using System.Text.Json;
using Crm.Modules.Orders.Tests.Support;

namespace Crm.Modules.Orders.Tests.Features.PlaceOrdersInBulk;

/// <summary>A large call on a host of its own, so the events it publishes do not slow the flow other tests wait on.</summary>
public sealed class PlaceOrdersInBulkBatchesTests : OrdersHostFixture
{
    [Test]
    public async Task A_call_of_25000_rows_keeps_every_valid_row_and_reports_bad_and_repeated_ones_across_its_batches()
    {
        var email = UniqueEmail();
        var prefix = Unique("big");
        var ndjson = new StringBuilder();
        var expectedErrors = new List<int>();
        var expectedDuplicates = new List<int>();
        for (var row = 1; row <= 25_000; row++)
        {
            // The last ten rows repeat the first ten, which were written in an earlier batch of the same call.
            var external = row > 24_990 ? $"{prefix}-{row - 24_990}" : $"{prefix}-{row}";
            var amount = row % 1000 == 0 ? -1m : 1.5m;
            if (amount < 0)
            {
                expectedErrors.Add(row);
            }
            else if (row > 24_990)
            {
                expectedDuplicates.Add(row);
            }

            ndjson.Append(JsonSerializer.Serialize(new { source = "big", externalOrderId = external, customerEmail = email, amount, currency = "USD" })).Append('\n');
        }

        using var content = new StringContent(ndjson.ToString(), Encoding.UTF8, "application/x-ndjson");
        using var response = await Client.PostAsync(Url("/api/v1/orders/bulk"), content);
        var result = await response.ReadJsonAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(200));
        Assert.That(result.GetProperty("received").GetInt32(), Is.EqualTo(25_000));
        Assert.That(result.GetProperty("failed").GetInt32(), Is.EqualTo(expectedErrors.Count));
        Assert.That(result.GetProperty("unchanged").GetInt32(), Is.EqualTo(expectedDuplicates.Count));
        Assert.That(result.GetProperty("inserted").GetInt32(), Is.EqualTo(25_000 - expectedErrors.Count - expectedDuplicates.Count));
        Assert.That(result.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("row").GetInt32()), Is.EqualTo(expectedErrors));
        Assert.That(result.GetProperty("duplicates").EnumerateArray().Select(e => e.GetProperty("row").GetInt32()), Is.EquivalentTo(expectedDuplicates));
    }
}
