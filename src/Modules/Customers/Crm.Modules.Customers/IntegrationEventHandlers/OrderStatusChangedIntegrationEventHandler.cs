using Crm.Modules.Customers.Domain;
using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.Logging;
using IDocumentSession = Crm.SharedKernel.Documents.IDocumentSession;

namespace Crm.Modules.Customers.IntegrationEventHandlers;

/// <summary>
/// Takes an order out of its customer's totals when it moves from placed or paid into refunded or cancelled. Every
/// other transition changes nothing (placed to paid was counted already; nothing leads back into a counted status).
/// The placement of the order was delivered before this event (same customer key), so the order was counted.
/// </summary>
internal sealed partial class OrderStatusChangedIntegrationEventHandler(TimeProvider time, ILogger<OrderStatusChangedIntegrationEventHandler> logger)
    : IIntegrationEventHandler<OrderStatusChangedIntegrationEvent>
{
    public async Task HandleAsync(OrderStatusChangedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        ArgumentNullException.ThrowIfNull(session);
        var order = integrationEvent.Order;
        using var activity = CustomersTelemetry.ActivitySource.StartActivity("ApplyOrderStatusChanged");
        activity?.SetTag("crm.order.id", order.OrderId);
        if (!OrderBehaviour.TakesOut(integrationEvent.PreviousStatus, order.Status))
        {
            Applied("no_change");
            return;
        }

        var customer = await OrderBehaviour.FindCustomerAsync(session, order, cancellationToken).ConfigureAwait(false);
        if (customer is null)
        {
            // Erased since the order was placed: nothing of theirs is left to adjust.
            LogUnresolved(logger, order.OrderId);
            Applied("unresolved");
            return;
        }

        var now = time.GetUtcNow();
        OrderBehaviour.Remove(customer.Behaviour, order);
        customer.UpdatedAt = now;
        session.Store(customer);
        session.Publish(CustomerEvents.Updated(customer, ["behaviour"], now));
        Applied("taken_out");
    }

    private static void Applied(string effect) =>
        CustomersTelemetry.OrderEventsApplied.Add(
            1,
            new KeyValuePair<string, object?>("crm.event", "order_status_changed"),
            new KeyValuePair<string, object?>("crm.effect", effect));

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Status change of order {OrderId} names no known customer; totals unchanged")]
    private static partial void LogUnresolved(ILogger logger, string orderId);
}
