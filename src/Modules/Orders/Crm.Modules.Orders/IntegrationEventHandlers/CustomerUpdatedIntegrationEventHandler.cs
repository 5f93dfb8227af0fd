using Crm.Modules.Customers.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Orders.IntegrationEventHandlers;

/// <summary>A customer's email may have changed; any order still waiting for their id gets it.</summary>
internal sealed class CustomerUpdatedIntegrationEventHandler : IIntegrationEventHandler<CustomerUpdatedIntegrationEvent>
{
    public Task HandleAsync(CustomerUpdatedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return CustomerCopies.ApplyAsync(session, integrationEvent.Customer, cancellationToken);
    }
}
