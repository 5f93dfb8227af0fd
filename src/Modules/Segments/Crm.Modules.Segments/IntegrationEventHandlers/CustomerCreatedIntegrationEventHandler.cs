using Crm.Modules.Customers.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Segments.IntegrationEventHandlers;

internal sealed class CustomerCreatedIntegrationEventHandler(AudienceCopies copies) : IIntegrationEventHandler<CustomerCreatedIntegrationEvent>
{
    public Task HandleAsync(CustomerCreatedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return copies.ApplyCustomerAsync(session, integrationEvent.Customer, created: true, cancellationToken);
    }
}
