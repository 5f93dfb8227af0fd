using Carter;
using Crm.Modules.Orders.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Orders.Features.GetOrder;

internal sealed record GetOrder(string Id) : IRequest<Result<OrderResponse>>;

internal sealed class GetOrderHandler(IDocumentStore store) : IRequestHandler<GetOrder, Result<OrderResponse>>
{
    public async ValueTask<Result<OrderResponse>> Handle(GetOrder request, CancellationToken cancellationToken)
    {
        await using var session = store.OpenSession();
        var order = await session.LoadAsync<Order>(request.Id, cancellationToken).ConfigureAwait(false);
        return order is null ? OrderErrors.NotFound : OrderResponse.From(order);
    }
}

internal static class OrderErrors
{
    public static Error NotFound { get; } = Error.NotFound("orders.not_found", "No order has this id.");
}

internal sealed class GetOrderEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        OrdersRoutes.Group(app, Permissions.OrdersRead)
            .MapGet("/{id}", async (string id, ISender sender, HttpContext http, CancellationToken cancellationToken) =>
            {
                var result = await sender.Send(new GetOrder(id), cancellationToken).ConfigureAwait(false);
                return result.ToHttpResult(order =>
                {
                    http.Response.Headers.ETag = order.ETag;
                    return TypedResults.Ok(order);
                });
            })
            .WithName("GetOrder")
            .WithSummary("One order by id, with its version as ETag.")
            .Produces<OrderResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
}
