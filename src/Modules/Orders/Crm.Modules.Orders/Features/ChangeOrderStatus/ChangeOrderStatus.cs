using Carter;
using Crm.Modules.Orders.Contracts;
using Crm.Modules.Orders.Domain;
using Crm.Modules.Orders.Features.GetOrder;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Orders.Features.ChangeOrderStatus;

internal sealed record ChangeOrderStatusBody(string? Status);

/// <summary>
/// Moves an order to <c>paid</c>, <c>refunded</c> or <c>cancelled</c> (see <see cref="OrderStatusRules"/>). Asking for
/// the status the order already has changes nothing and publishes nothing, so a retried request is harmless.
/// </summary>
internal sealed record ChangeOrderStatus(string Id, string? Status, string? IfMatch) : IRequest<Result<OrderResponse>>;

internal sealed class ChangeOrderStatusValidator : AbstractValidator<ChangeOrderStatus>
{
    public ChangeOrderStatusValidator() =>
        RuleFor(x => x.Status)
            .NotEmpty().WithMessage("is required: paid, refunded or cancelled")
            .Must(status => OrderStatusRules.Parse(status) is OrderStatus.Paid or OrderStatus.Refunded or OrderStatus.Cancelled)
            .WithMessage("must be paid, refunded or cancelled");
}

internal sealed partial class ChangeOrderStatusHandler(
    IDocumentStore store,
    TimeProvider time,
    ILogger<ChangeOrderStatusHandler> logger) : IRequestHandler<ChangeOrderStatus, Result<OrderResponse>>
{
    /// <summary>Without If-Match a concurrent write is retried on the fresh order; a transition check runs again each time.</summary>
    private const int Attempts = 5;

    public async ValueTask<Result<OrderResponse>> Handle(ChangeOrderStatus request, CancellationToken cancellationToken)
    {
        var target = OrderStatusRules.Parse(request.Status)!.Value;
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.OpenSession();
            var order = await session.LoadAsync<Order>(request.Id, cancellationToken).ConfigureAwait(false);
            if (order is null)
            {
                return OrderErrors.NotFound;
            }

            if (request.IfMatch is { } ifMatch && !EntityTags.IfMatchHolds(ifMatch, order.Version))
            {
                return Stale;
            }

            if (order.Status == target)
            {
                return OrderResponse.From(order);
            }

            if (!OrderStatusRules.CanChange(order.Status, target))
            {
                var message = $"cannot change from {OrderStatusRules.Name(order.Status)} to {OrderStatusRules.Name(target)}: "
                    + "a placed order can be paid or cancelled, a paid order refunded; refunded and cancelled are final";
                return Error.Unprocessable(
                    "orders.invalid_transition",
                    $"The order's status {message}.",
                    new Dictionary<string, string[]>(StringComparer.Ordinal) { ["status"] = [message] });
            }

            var previous = order.Status;
            order.Status = target;
            order.UpdatedAt = time.GetUtcNow();
            session.Store(order);
            session.Publish(new OrderStatusChangedIntegrationEvent(order.ToSnapshot(), previous) { OccurredAt = order.UpdatedAt });
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.VersionMismatch)
            {
                if (request.IfMatch is not null)
                {
                    return Stale;
                }

                if (attempt == Attempts)
                {
                    throw;
                }

                continue;
            }

            OrdersTelemetry.StatusChanges.Add(1, new KeyValuePair<string, object?>("crm.orders.status", OrderStatusRules.Name(target)));
            LogChanged(logger, order.Id, previous, target);
            return OrderResponse.From(order);
        }
    }

    private static Error Stale { get; } = Error.PreconditionFailed(
        "orders.stale",
        "The order changed since the version named in If-Match. Read it again and retry.");

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Order {OrderId} went from {Previous} to {Status}")]
    private static partial void LogChanged(ILogger logger, string orderId, OrderStatus previous, OrderStatus status);
}

internal sealed class ChangeOrderStatusEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        OrdersRoutes.Group(app, Permissions.OrdersWrite)
            .MapPatch("/{id}/status", async (
                string id,
                ChangeOrderStatusBody body,
                [FromHeader(Name = "If-Match")] string? ifMatch,
                ISender sender,
                HttpContext http,
                CancellationToken cancellationToken) =>
            {
                var result = await sender.Send(new ChangeOrderStatus(id, body.Status, ifMatch), cancellationToken).ConfigureAwait(false);
                return result.ToHttpResult(order =>
                {
                    http.Response.Headers.ETag = order.ETag;
                    return TypedResults.Ok(order);
                });
            })
            .WithBodyLimit(64 * 1024)
            .WithName("ChangeOrderStatus")
            .WithSummary("Pay, refund or cancel an order: placed→paid, placed→cancelled, paid→refunded. If-Match optional.")
            .Accepts<ChangeOrderStatusBody>("application/json")
            .Produces<OrderResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
