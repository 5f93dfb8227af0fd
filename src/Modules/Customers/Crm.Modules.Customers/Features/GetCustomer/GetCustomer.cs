using Carter;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Customers.Features.GetCustomer;

internal sealed record GetCustomer(string Id) : IRequest<Result<CustomerResponse>>;

internal sealed class GetCustomerHandler(IDocumentStore store) : IRequestHandler<GetCustomer, Result<CustomerResponse>>
{
    public async ValueTask<Result<CustomerResponse>> Handle(GetCustomer request, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var customer = await session.LoadAsync<Customer>(request.Id, cancellationToken).ConfigureAwait(false);
            return customer is null ? CustomerErrors.NotFound : customer.ToResponse();
        }
    }
}

internal sealed class GetCustomerEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersRead)
            .MapGet("/{id}", HandleAsync)
            .WithName("GetCustomer")
            .WithSummary("A customer by id, with its version as ETag; If-None-Match with that ETag answers 304.")
            .Produces<CustomerResponse>()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new GetCustomer(id), cancellationToken);
        return result.ToHttpResult(customer =>
        {
            var etag = EntityTags.Of(customer.Version);
            httpContext.Response.Headers.ETag = etag;
            return httpContext.Request.Headers.IfNoneMatch.ToString() == etag
                ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
                : TypedResults.Ok(customer);
        });
    }
}
