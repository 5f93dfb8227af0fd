using Crm.Modules.Customers.Domain;
using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Customers.IntegrationEventHandlers;

/// <summary>
/// The rules that keep a customer's order totals exact. An order counts (total spent, order count, last order time)
/// while its status is placed or paid; a change into refunded or cancelled from a counted status takes it out again.
/// Last order time stays when an order is taken out: it records when the customer last ordered, not their last
/// order that still counts (finding that one would need every order, which belong to the Orders module).
/// </summary>
internal static class OrderBehaviour
{
    public static bool Counts(OrderStatus status) => status is OrderStatus.Placed or OrderStatus.Paid;

    public static bool TakesOut(OrderStatus previous, OrderStatus next) =>
        Counts(previous) && next is OrderStatus.Refunded or OrderStatus.Cancelled;

    public static void Add(CustomerBehaviour behaviour, OrderSnapshot order)
    {
        behaviour.TotalSpent += order.BaseAmount;
        behaviour.OrderCount += 1;
        var orderedAt = order.OrderedAt.ToUniversalTime();
        if (behaviour.LastOrderAt is not { } last || orderedAt > last)
        {
            behaviour.LastOrderAt = orderedAt;
        }
    }

    public static void Remove(CustomerBehaviour behaviour, OrderSnapshot order)
    {
        behaviour.TotalSpent -= order.BaseAmount;
        behaviour.OrderCount -= 1;
    }

    /// <summary>The order's customer: by id when the order knows it and it exists, else by the unique email.</summary>
    public static async Task<Customer?> FindCustomerAsync(IDocumentSession session, OrderSnapshot order, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(order.CustomerId)
            && await session.LoadAsync<Customer>(order.CustomerId, cancellationToken).ConfigureAwait(false) is { } byId)
        {
            return byId;
        }

        if (string.IsNullOrWhiteSpace(order.CustomerEmail))
        {
            return null;
        }

        var email = Normalise.Email(order.CustomerEmail);
        return await session.Query<Customer>().Where(x => x.Email == email).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }
}
