using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Segments.IntegrationEventHandlers;

internal sealed class OrderPlacedIntegrationEventHandler(AudienceCopies copies) : IIntegrationEventHandler<OrderPlacedIntegrationEvent>
{
    public Task HandleAsync(OrderPlacedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return copies.ApplyOrderAsync(session, integrationEvent.Order, cancellationToken);
    }
}
