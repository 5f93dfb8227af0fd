using Crm.Modules.Customers.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Segments.IntegrationEventHandlers;

internal sealed class CustomerUpdatedIntegrationEventHandler(AudienceCopies copies) : IIntegrationEventHandler<CustomerUpdatedIntegrationEvent>
{
    public Task HandleAsync(CustomerUpdatedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return copies.ApplyCustomerAsync(session, integrationEvent.Customer, created: false, cancellationToken);
    }
}
