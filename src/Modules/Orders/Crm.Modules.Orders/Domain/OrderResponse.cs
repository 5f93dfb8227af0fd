using Crm.SharedKernel.Web;
namespace Crm.Modules.Orders.Domain;

/// <summary>An order as the API shows it. <see cref="Status"/> is the lower-case name (<c>placed</c>, <c>paid</c>, ...).</summary>
internal sealed record OrderResponse(
    string Id,
    string Source,
    string ExternalOrderId,
    string? CustomerId,
    string? CustomerEmail,
    decimal Amount,
    string Currency,
    decimal BaseAmount,
    string BaseCurrency,
    IReadOnlyList<OrderItemResponse> Items,
    string Status,
    DateTimeOffset OrderedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version)
{
    public static OrderResponse From(Order order) => new(
        order.Id,
        order.Source,
        order.ExternalOrderId,
        order.CustomerId,
        order.CustomerEmail,
        order.Amount,
        order.Currency,
        order.BaseAmount,
        order.BaseCurrency,
        [.. order.Items.Select(i => new OrderItemResponse(i.Sku, i.Name, i.Quantity, i.UnitPrice))],
        OrderStatusRules.Name(order.Status),
        order.OrderedAt,
        order.CreatedAt,
        order.UpdatedAt,
        order.Version);

    /// <summary>The strong entity tag of a version, for ETag and If-Match.</summary>
    public string ETag => EntityTags.Of(Version);
}

internal sealed record OrderItemResponse(string Sku, string Name, int Quantity, decimal UnitPrice);
