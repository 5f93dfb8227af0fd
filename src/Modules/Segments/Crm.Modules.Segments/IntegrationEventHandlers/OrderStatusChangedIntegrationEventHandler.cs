using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Segments.IntegrationEventHandlers;

internal sealed class OrderStatusChangedIntegrationEventHandler(AudienceCopies copies) : IIntegrationEventHandler<OrderStatusChangedIntegrationEvent>
{
    public Task HandleAsync(OrderStatusChangedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return copies.ApplyOrderAsync(session, integrationEvent.Order, cancellationToken);
    }
}
