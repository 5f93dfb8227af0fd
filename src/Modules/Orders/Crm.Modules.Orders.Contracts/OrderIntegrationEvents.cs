using Crm.SharedKernel.Events;

namespace Crm.Modules.Orders.Contracts;

public enum OrderStatus
{
    Placed,
    Paid,
    Refunded,
    Cancelled,
}

/// <summary>
/// The money facts of an order that subscribers need. <see cref="BaseAmount"/> is <see cref="Amount"/> converted to
/// the installation's base currency (equal when the order is in it); customer totals sum base amounts.
/// </summary>
public sealed record OrderSnapshot
{
    public required string OrderId { get; init; }

    public required string Source { get; init; }

    public required string ExternalOrderId { get; init; }

    /// <summary>Known when the order named the customer by id or Orders already knew the email.</summary>
    public string? CustomerId { get; init; }

    /// <summary>Normalised to lower case; set when the order named the customer by email.</summary>
    public string? CustomerEmail { get; init; }

    public decimal Amount { get; init; }

    /// <summary>ISO 4217, upper case.</summary>
    public required string Currency { get; init; }

    public decimal BaseAmount { get; init; }

    public OrderStatus Status { get; init; }

    public int ItemCount { get; init; }

    public DateTimeOffset OrderedAt { get; init; }

    /// <summary>
    /// The key events of this order are ordered by: the customer id, or the email when the id was not known at
    /// placement. It never changes for an order, so its placement is always delivered before its status changes.
    /// </summary>
    public required string CustomerKey { get; init; }
}

/// <summary>An order was recorded for the first time (a re-sent order with the same source and external id is not).</summary>
public sealed record OrderPlacedIntegrationEvent(OrderSnapshot Order) : IntegrationEvent
{
    public override string AggregateId => Order.CustomerKey;
}

/// <summary>An order's status changed; <see cref="OrderSnapshot.Status"/> is the new one.</summary>
public sealed record OrderStatusChangedIntegrationEvent(OrderSnapshot Order, OrderStatus PreviousStatus) : IntegrationEvent
{
    public override string AggregateId => Order.CustomerKey;
}
