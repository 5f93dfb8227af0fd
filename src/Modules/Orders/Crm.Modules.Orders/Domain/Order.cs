using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Orders.Domain;

/// <summary>
/// An order, stored in <c>orders.orders</c>. <see cref="SourceKey"/> carries the unique index that keeps a re-sent
/// order (same source, same external id) from being recorded, and so counted, twice.
/// </summary>
internal sealed class Order : IDocument
{
    public const string Collection = "orders.orders";

    public const string DefaultSource = "api";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    /// <summary>The system that sent the order (<c>api</c>, <c>shopify</c>, <c>pos-berlin</c>): lower case, no ':'.</summary>
    public string Source { get; set; } = DefaultSource;

    public string ExternalOrderId { get; set; } = "";

    /// <summary><c>source:externalOrderId</c>; sources hold no ':', so the first one separates the two.</summary>
    public string SourceKey { get; set; } = "";

    /// <summary>Set when placed by id, when the email was known, or once the customer's creation was seen (backfill).</summary>
    public string? CustomerId { get; set; }

    /// <summary>Lower case. Removed when the customer is erased; the order itself stays for revenue figures.</summary>
    public string? CustomerEmail { get; set; }

    /// <summary>The ordering key of this order's events, fixed at placement (see <see cref="OrderSnapshot.CustomerKey"/>).</summary>
    public string CustomerKey { get; set; } = "";

    public decimal Amount { get; set; }

    public string Currency { get; set; } = "";

    public decimal BaseAmount { get; set; }

    public string BaseCurrency { get; set; } = "";

    public List<OrderItem> Items { get; set; } = [];

    public OrderStatus Status { get; set; }

    public DateTimeOffset OrderedAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public static string SourceKeyOf(string source, string externalOrderId) => $"{source}:{externalOrderId}";

    /// <summary>The source key of a validated input, as the order built from it will hold it.</summary>
    public static string SourceKeyOf(OrderInput input) => SourceKeyOf(SourceOf(input), input.ExternalOrderId!.Trim());

    public static string SourceOf(OrderInput input) => input.Source?.Trim().ToLowerInvariant() ?? DefaultSource;

    public OrderSnapshot ToSnapshot() => new()
    {
        OrderId = Id,
        Source = Source,
        ExternalOrderId = ExternalOrderId,
        CustomerId = CustomerId,
        CustomerEmail = CustomerEmail,
        Amount = Amount,
        Currency = Currency,
        BaseAmount = BaseAmount,
        Status = Status,
        ItemCount = Items.Sum(i => i.Quantity),
        OrderedAt = OrderedAt,
        CustomerKey = CustomerKey,
    };
}

internal sealed class OrderItem
{
    public string Sku { get; set; } = "";

    public string Name { get; set; } = "";

    public int Quantity { get; set; }

    public decimal UnitPrice { get; set; }
}
