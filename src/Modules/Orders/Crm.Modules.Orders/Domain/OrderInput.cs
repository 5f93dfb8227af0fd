namespace Crm.Modules.Orders.Domain;

/// <summary>
/// An order as a client sends it, over REST or as one row of a bulk call. Every field is nullable so that a missing
/// one is a validation error naming it rather than a parse failure of the whole body.
/// </summary>
internal record OrderInput
{
    /// <summary>Defaults to <c>api</c>.</summary>
    public string? Source { get; init; }

    public string? ExternalOrderId { get; init; }

    public string? CustomerId { get; init; }

    public string? CustomerEmail { get; init; }

    public decimal? Amount { get; init; }

    public string? Currency { get; init; }

    public List<OrderItemInput>? Items { get; init; }

    /// <summary><c>placed</c> (default) or <c>paid</c>: a shop may report an order once it is paid.</summary>
    public string? Status { get; init; }

    /// <summary>Defaults to the time the order is received.</summary>
    public DateTimeOffset? OrderedAt { get; init; }
}

internal sealed record OrderItemInput
{
    public string? Sku { get; init; }

    public string? Name { get; init; }

    public int? Quantity { get; init; }

    public decimal? UnitPrice { get; init; }
}
