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

namespace Crm.Modules.Customers.Features.EraseCustomer;

/// <summary>
/// Erasure on request (right to be forgotten): the document goes, and <c>CustomerErased</c> in the same commit tells
/// every other module to forget the person. Nothing of the customer is kept here, not even a tombstone, so a second
/// DELETE is a 404.
/// </summary>
internal sealed record EraseCustomer(string Id, string? IfMatch) : IRequest<Result>;

internal sealed class EraseCustomerHandler(IDocumentStore store, TimeProvider time) : IRequestHandler<EraseCustomer, Result>
{
    private const int Attempts = 5;

    public async ValueTask<Result> Handle(EraseCustomer request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var session = store.OpenSession();
            await using (session.ConfigureAwait(false))
            {
                var customer = await session.LoadAsync<Customer>(request.Id, cancellationToken).ConfigureAwait(false);
                if (customer is null)
                {
                    return CustomerErrors.NotFound;
                }

                if (request.IfMatch is { } ifMatch && !EntityTags.IfMatchHolds(ifMatch, customer.Version))
                {
                    return CustomerErrors.StaleVersion;
                }

                // Guarded by the version read, so the erased event carries the email the document last had.
                session.Delete<Customer>(customer.Id, customer.Version);
                session.Publish(CustomerEvents.Erased(customer, time.GetUtcNow()));
                try
                {
                    await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    CustomersTelemetry.CustomersErased.Add(1);
                    return Result.Success();
                }
                catch (DocumentConflictException) when (request.IfMatch is not null)
                {
                    return CustomerErrors.StaleVersion;
                }
                catch (DocumentConflictException) when (attempt < Attempts)
                {
                }
            }
        }
    }
}

internal sealed class EraseCustomerEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersWrite)
            .MapDelete("/{id}", HandleAsync)
            .WithName("EraseCustomer")
            .WithSummary("Erases a customer and tells every module to forget them (CustomerErased).")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new EraseCustomer(id, EntityTags.IfMatchOf(httpContext.Request)), cancellationToken);
        return result.ToHttpResult(TypedResults.NoContent);
    }
}
