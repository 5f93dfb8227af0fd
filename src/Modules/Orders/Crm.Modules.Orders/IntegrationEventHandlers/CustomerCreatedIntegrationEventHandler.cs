using Crm.Modules.Customers.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Orders.IntegrationEventHandlers;

/// <summary>A new customer becomes known to Orders; orders already placed with their email get their id.</summary>
internal sealed class CustomerCreatedIntegrationEventHandler : IIntegrationEventHandler<CustomerCreatedIntegrationEvent>
{
    public Task HandleAsync(CustomerCreatedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return CustomerCopies.ApplyAsync(session, integrationEvent.Customer, cancellationToken);
    }
}
