using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Customers.Features.ListCustomers;

/// <summary>A way to sort the list, with how its key is read from a customer and carried in a cursor.</summary>
internal sealed record CustomerSort(
    string Name,
    Func<IDocumentQuery<Customer>, IDocumentQuery<Customer>> Apply,
    Func<Customer, string?> KeyOf,
    Func<string?, object?> ParseKey)
{
    public const string Default = "-createdAt";

    private static readonly Dictionary<string, CustomerSort> All = new[]
    {
        Ascending("createdAt", x => x.CreatedAt, c => Time(c.CreatedAt), ParseTime),
        Descending("-createdAt", x => x.CreatedAt, c => Time(c.CreatedAt), ParseTime),
        Ascending("name", x => x.NameKey, c => c.NameKey, key => key),
        Descending("-name", x => x.NameKey, c => c.NameKey, key => key),
        Ascending("email", x => x.Email, c => c.Email, key => key),
        Descending("-email", x => x.Email, c => c.Email, key => key),
        Ascending("totalSpent", x => x.Behaviour.TotalSpent, c => Money(c.Behaviour.TotalSpent), ParseMoney),
        Descending("-totalSpent", x => x.Behaviour.TotalSpent, c => Money(c.Behaviour.TotalSpent), ParseMoney),
    }.ToDictionary(sort => sort.Name, StringComparer.Ordinal);

    public static IEnumerable<string> Names => All.Keys;

    public static CustomerSort? Find(string? name) => All.GetValueOrDefault(string.IsNullOrWhiteSpace(name) ? Default : name.Trim());

    private static CustomerSort Ascending<TKey>(
        string name, System.Linq.Expressions.Expression<Func<Customer, TKey>> key, Func<Customer, string?> keyOf, Func<string?, object?> parse) =>
        new(name, query => query.OrderBy(key), keyOf, parse);

    private static CustomerSort Descending<TKey>(
        string name, System.Linq.Expressions.Expression<Func<Customer, TKey>> key, Func<Customer, string?> keyOf, Func<string?, object?> parse) =>
        new(name, query => query.OrderByDescending(key), keyOf, parse);

    private static string Time(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    private static object? ParseTime(string? key) =>
        DateTimeOffset.TryParseExact(key, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value) ? value : null;

    private static string Money(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static object? ParseMoney(string? key) =>
        decimal.TryParse(key, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : null;
}

/// <summary>
/// The opaque <c>next</c> token: the sort it was made for and the last row's sort key and id (keyset paging, so
/// pages neither repeat nor skip rows while customers are added). Base64url JSON; clients must not build it.
/// </summary>
internal sealed record CustomerCursor(string Sort, string? Key, string Id)
{
    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Wire(Sort, Key, Id)));

    public static CustomerCursor? Decode(string token)
    {
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(Base64Url.DecodeFromChars(token));
            return wire is { S: { } sort, I: { Length: > 0 } id } ? new CustomerCursor(sort, wire.K, id) : null;
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            return null;
        }
    }

    private sealed record Wire(string? S, string? K, string? I);
}
