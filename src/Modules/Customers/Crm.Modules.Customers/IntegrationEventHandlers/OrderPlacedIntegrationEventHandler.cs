using Crm.SharedKernel.Validation;
using Crm.Modules.Customers.Domain;
using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Customers.IntegrationEventHandlers;

/// <summary>
/// Counts a new order into its customer's behaviour (when placed or paid). An order for an email no customer has
/// creates a minimal customer (email only, source <c>order</c>) whose CustomerCreated snapshot already holds the order.
/// Events of one customer key arrive one after another, so load, change and a version-guarded store cannot race
/// each other; a clash with an API write fails the delivery and the dispatcher retries it. The inbox committed with
/// these changes makes a redelivery a no-op.
/// </summary>
internal sealed partial class OrderPlacedIntegrationEventHandler(TimeProvider time, ILogger<OrderPlacedIntegrationEventHandler> logger)
    : IIntegrationEventHandler<OrderPlacedIntegrationEvent>
{
    public const string Source = "order";

    public async Task HandleAsync(OrderPlacedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        ArgumentNullException.ThrowIfNull(session);
        var order = integrationEvent.Order;
        using var activity = CustomersTelemetry.ActivitySource.StartActivity("ApplyOrderPlaced");
        activity?.SetTag("crm.order.id", order.OrderId);
        var counts = OrderBehaviour.Counts(order.Status);
        var now = time.GetUtcNow();
        var customer = await OrderBehaviour.FindCustomerAsync(session, order, cancellationToken).ConfigureAwait(false);
        if (customer is null)
        {
            if (string.IsNullOrWhiteSpace(order.CustomerEmail) || !EmailAddress.IsValid(order.CustomerEmail))
            {
                // An id that names nobody (erased since, or never known) and no usable email: there is no one to credit.
                LogUnresolved(logger, order.OrderId);
                Applied("unresolved");
                return;
            }

            customer = new Customer
            {
                Id = DocumentId.New(time),
                Email = Normalise.Email(order.CustomerEmail),
                Source = Source,
                CreatedAt = now,
                UpdatedAt = now,
            };
            if (counts)
            {
                OrderBehaviour.Add(customer.Behaviour, order);
            }

            session.Store(customer);
            session.Publish(CustomerEvents.Created(customer, now));
            CustomersTelemetry.CustomersCreated.Add(1, new KeyValuePair<string, object?>("crm.customer.source", Source));
            LogCreated(logger, customer.Id, order.OrderId);
            Applied("created_customer");
            return;
        }

        if (!counts)
        {
            Applied("not_counted");
            return;
        }

        OrderBehaviour.Add(customer.Behaviour, order);
        customer.UpdatedAt = now;
        session.Store(customer);
        session.Publish(CustomerEvents.Updated(customer, ["behaviour"], now));
        Applied("counted");
    }

    private static void Applied(string effect) =>
        CustomersTelemetry.OrderEventsApplied.Add(
            1,
            new KeyValuePair<string, object?>("crm.event", "order_placed"),
            new KeyValuePair<string, object?>("crm.effect", effect));

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Order {OrderId} names no known customer and no usable email; totals unchanged")]
    private static partial void LogUnresolved(ILogger logger, string orderId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Created customer {CustomerId} for order {OrderId} from an unknown email")]
    private static partial void LogCreated(ILogger logger, string customerId, string orderId);
}
