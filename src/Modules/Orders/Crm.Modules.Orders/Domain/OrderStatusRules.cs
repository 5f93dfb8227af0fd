using Crm.Modules.Orders.Contracts;

namespace Crm.Modules.Orders.Domain;

/// <summary>
/// The status changes a shop makes: a placed order is paid or cancelled; a paid order is refunded (money goes back).
/// Refunded and cancelled are final. Cancelling a paid order or refunding an unpaid one is refused, so customer
/// totals move exactly once per order that stops counting.
/// </summary>
internal static class OrderStatusRules
{
    public static bool CanChange(OrderStatus from, OrderStatus to) => (from, to) switch
    {
        (OrderStatus.Placed, OrderStatus.Paid) => true,
        (OrderStatus.Placed, OrderStatus.Cancelled) => true,
        (OrderStatus.Paid, OrderStatus.Refunded) => true,
        _ => false,
    };

    /// <summary>Whether the order counts toward the customer's total spent and order count.</summary>
    public static bool Counts(OrderStatus status) => status is OrderStatus.Placed or OrderStatus.Paid;

    public static string Name(OrderStatus status) => status switch
    {
        OrderStatus.Placed => "placed",
        OrderStatus.Paid => "paid",
        OrderStatus.Refunded => "refunded",
        OrderStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static OrderStatus? Parse(string? status) => status?.Trim() switch
    {
        "placed" => OrderStatus.Placed,
        "paid" => OrderStatus.Paid,
        "refunded" => OrderStatus.Refunded,
        "cancelled" => OrderStatus.Cancelled,
        _ => null,
    };
}
