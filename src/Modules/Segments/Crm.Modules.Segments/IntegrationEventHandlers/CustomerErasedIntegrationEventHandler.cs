using Crm.Modules.Customers.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Segments.IntegrationEventHandlers;

/// <summary>An erased customer leaves every segment: their profile, their order copies and their index row go.</summary>
internal sealed class CustomerErasedIntegrationEventHandler(AudienceCopies copies) : IIntegrationEventHandler<CustomerErasedIntegrationEvent>
{
    public Task HandleAsync(CustomerErasedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return copies.EraseAsync(session, integrationEvent.CustomerId, integrationEvent.Email, cancellationToken);
    }
}
