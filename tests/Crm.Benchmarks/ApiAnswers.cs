using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Crm.Benchmarks;

/// <summary>A customer's totals as the list API shows them.</summary>
internal sealed record ListedCustomer(string Id, string Email, decimal TotalSpent, int OrderCount);

/// <summary>What the harness reads from the API's answers: it checks every figure it reports against them.</summary>
internal static class CustomersApi
{
    /// <summary>Every customer matching <paramref name="filter"/> (a query string), following the list's cursor.</summary>
    public static async IAsyncEnumerable<ListedCustomer> ListAsync(HttpClient client, string filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? next = null;
        do
        {
            var uri = $"/api/v1/customers?{filter}&limit=500" + (next is null ? "" : "&next=" + Uri.EscapeDataString(next));
            using var response = await client.GetAsync(new Uri(uri, UriKind.Relative), cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {uri} answered {(int)response.StatusCode}: {text}");
            }

            using var page = JsonDocument.Parse(text);
            foreach (var item in page.RootElement.GetProperty("items").EnumerateArray())
            {
                var behaviour = item.GetProperty("behaviour");
                yield return new ListedCustomer(
                    item.GetProperty("id").GetString()!,
                    item.GetProperty("email").GetString()!,
                    behaviour.GetProperty("totalSpent").GetDecimal(),
                    behaviour.GetProperty("orderCount").GetInt32());
            }

            next = page.RootElement.TryGetProperty("next", out var cursor) && cursor.ValueKind == JsonValueKind.String ? cursor.GetString() : null;
        }
        while (next is not null);
    }
}

internal static class BulkAnswer
{
    /// <summary>A bulk call's answer: 200 with no row refused, or the benchmark is measuring the wrong thing.</summary>
    public static void Check(string path, HttpStatusCode status, string text)
    {
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)status}: {Truncate(text)}");
        }

        using var answer = JsonDocument.Parse(text);
        if (answer.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
        {
            throw new InvalidOperationException($"POST {path} refused {errors.GetArrayLength()} rows: {Truncate(errors.ToString())}");
        }
    }

    private static string Truncate(string text) => text.Length <= 2_000 ? text : text[..2_000] + "...";
}
