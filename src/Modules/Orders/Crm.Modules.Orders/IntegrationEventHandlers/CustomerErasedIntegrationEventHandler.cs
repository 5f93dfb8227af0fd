using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Orders.IntegrationEventHandlers;

/// <summary>
/// Forgets an erased customer's email: the copy in <c>orders.customers</c> goes, and their orders lose the email but
/// keep amounts, items and dates, so revenue figures stay right. Orders keyed by the email for event ordering are
/// re-keyed to the (now meaningless) customer id, so no copy of the address remains.
/// </summary>
internal sealed class CustomerErasedIntegrationEventHandler : IIntegrationEventHandler<CustomerErasedIntegrationEvent>
{
    public async Task HandleAsync(CustomerErasedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        ArgumentNullException.ThrowIfNull(session);
        var id = integrationEvent.CustomerId;
        var email = integrationEvent.Email;
        session.Delete<OrderCustomer>(id);

        var orders = await session.Query<Order>()
            .Where(o => o.CustomerId == id || (o.CustomerId == null && o.CustomerEmail == email))
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        foreach (var order in orders)
        {
            var rekey = order.CustomerKey == email;
            session.Patch<Order>(order.Id, p =>
            {
                p.Set(o => o.CustomerEmail, null).Set(o => o.CustomerId, id);
                if (rekey)
                {
                    p.Set(o => o.CustomerKey, id);
                }
            });
        }
    }
}
