using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Contracts;

namespace Crm.Host.Demo;

/// <summary>
/// A demo customer in the shape the customers API takes (a bulk row, a POST body), so the seeder and the benchmarks
/// send exactly what a client would.
/// </summary>
internal sealed record DemoCustomer
{
    public required string Email { get; init; }

    public required string Name { get; init; }

    public string? Phone { get; init; }

    public required string TimeZone { get; init; }

    public required DemoProfile Profile { get; init; }

    public IReadOnlyList<string> Preferences { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Values are strings, decimals, booleans or dates, so every attribute type is represented.</summary>
    public IReadOnlyDictionary<string, object> CustomAttributes { get; init; } = new Dictionary<string, object>(StringComparer.Ordinal);

    public required DemoConsent Consent { get; init; }
}

internal sealed record DemoProfile(int Age, string? Gender, string City, string Country);

internal sealed record DemoConsent
{
    public DemoChannelConsent? Email { get; init; }

    public DemoChannelConsent? Sms { get; init; }

    public DemoChannelConsent? Push { get; init; }
}

internal sealed record DemoChannelConsent(ConsentStatus Status, DateTimeOffset At, string Source);

/// <summary>A demo order in the shape the orders API takes, naming its customer by email as a shop's backend would.</summary>
internal sealed record DemoOrder
{
    public required string Source { get; init; }

    public required string ExternalOrderId { get; init; }

    public required string CustomerEmail { get; init; }

    public decimal Amount { get; init; }

    public required string Currency { get; init; }

    public required IReadOnlyList<DemoOrderItem> Items { get; init; }

    /// <summary>The status the shop reports the order with: placed or paid (the API takes no other at placement).</summary>
    public OrderStatus Status { get; init; }

    public DateTimeOffset OrderedAt { get; init; }

    /// <summary>Refunded or cancelled later, through a status change; null for an order that stays counted.</summary>
    [JsonIgnore]
    public OrderStatus? LaterStatus { get; init; }

    /// <summary>Whether the order counts towards the customer's totals in the end (placed or paid).</summary>
    [JsonIgnore]
    public bool Counted => LaterStatus is null;
}

internal sealed record DemoOrderItem(string Sku, string Name, int Quantity, decimal UnitPrice);

internal static class DemoJson
{
    /// <summary>The API's wire form: camelCase members, enums as camelCase strings, nulls left out.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
