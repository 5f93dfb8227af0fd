using Carter;
using Crm.Modules.Orders.Contracts;
using Crm.Modules.Orders.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Orders.Features.PlaceOrder;

/// <summary>Records one order. A re-sent order (same source and external id) answers with the stored one and is not counted again.</summary>
internal sealed record PlaceOrder : OrderInput, IRequest<Result<PlaceOrderResult>>;

/// <param name="Created">False when the order was recorded before (a re-send): nothing was written or published.</param>
internal sealed record PlaceOrderResult(OrderResponse Order, bool Created);

internal sealed class PlaceOrderValidator : AbstractValidator<PlaceOrder>
{
    public PlaceOrderValidator(TimeProvider time, IOptions<OrdersOptions> options) =>
        Include(new OrderInputValidator(time, options));
}

internal sealed partial class PlaceOrderHandler(
    IDocumentStore store,
    OrderFactory factory,
    TimeProvider time,
    ILogger<PlaceOrderHandler> logger) : IRequestHandler<PlaceOrder, Result<PlaceOrderResult>>
{
    public async ValueTask<Result<PlaceOrderResult>> Handle(PlaceOrder request, CancellationToken cancellationToken)
    {
        var sourceKey = Order.SourceKeyOf(request);

        await using var session = store.OpenSession();
        if (await FindAsync(session, sourceKey, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return Resent(existing);
        }

        var directory = await CustomerDirectory.LoadAsync(session, [request], cancellationToken).ConfigureAwait(false);
        var created = factory.Create(request, directory);
        if (created.IsFailure)
        {
            OrdersTelemetry.CountFailure(created.Error.Code);
            return created.Error;
        }

        var order = created.Value;
        session.Store(order);
        session.Publish(new OrderPlacedIntegrationEvent(order.ToSnapshot()) { OccurredAt = time.GetUtcNow() });
        try
        {
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.DuplicateKey && conflict.Collection == Order.Collection)
        {
            // The same order arrived twice at once and the other copy committed first: answer as for any re-send.
            await using var again = store.OpenSession();
            var winner = await FindAsync(again, sourceKey, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("An order clashed on its source key, yet no order holds that key.", conflict);
            return Resent(winner);
        }

        OrdersTelemetry.CountPlaced("api");
        LogPlaced(logger, order.Id, order.Source, order.CustomerId is not null);
        return new PlaceOrderResult(OrderResponse.From(order), Created: true);
    }

    private static Task<Order?> FindAsync(IDocumentSession session, string sourceKey, CancellationToken cancellationToken) =>
        session.Query<Order>().Where(o => o.SourceKey == sourceKey).FirstOrDefaultAsync(cancellationToken);

    private PlaceOrderResult Resent(Order existing)
    {
        OrdersTelemetry.Duplicates.Add(1);
        LogResent(logger, existing.Id, existing.Source);
        return new PlaceOrderResult(OrderResponse.From(existing), Created: false);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Order {OrderId} placed from {Source} (customer known: {CustomerKnown})")]
    private static partial void LogPlaced(ILogger logger, string orderId, string source, bool customerKnown);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Order {OrderId} from {Source} was sent again; answered with the stored order")]
    private static partial void LogResent(ILogger logger, string orderId, string source);
}

internal sealed class PlaceOrderEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        OrdersRoutes.Group(app, Permissions.OrdersWrite)
            .MapPost("", async (PlaceOrder request, ISender sender, HttpContext http, CancellationToken cancellationToken) =>
            {
                var result = await sender.Send(request, cancellationToken).ConfigureAwait(false);
                return result.ToHttpResult(placed =>
                {
                    http.Response.Headers.ETag = placed.Order.ETag;
                    return placed.Created
                        ? TypedResults.Created(OrdersRoutes.LocationOf(placed.Order.Id), placed.Order)
                        : TypedResults.Ok(placed.Order);
                });
            })
            .WithBodyLimit(OrdersRoutes.MaxOrderBodyBytes)
            .WithName("PlaceOrder")
            .WithSummary("Record an order; a re-sent order (same source and externalOrderId) answers 200 with the stored one.")
            .Accepts<PlaceOrder>("application/json")
            .Produces<OrderResponse>(StatusCodes.Status201Created)
            .Produces<OrderResponse>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
}
