using Carter;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Privacy;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Customers.Features.ExportCustomer;

/// <summary>A data-portability export: the customer (consent and behaviour included) and one section per module.</summary>
internal sealed record ExportCustomer(string Id) : IRequest<Result<CustomerExport>>;

/// <summary>
/// <see cref="Sections"/> holds every registered <see cref="IPersonalDataSource"/> by its section name, null where
/// that module holds nothing, so the person sees which modules were asked.
/// </summary>
internal sealed record CustomerExport(DateTimeOffset ExportedAt, CustomerResponse Customer, IReadOnlyDictionary<string, object?> Sections);

internal sealed class ExportCustomerHandler(IDocumentStore store, IEnumerable<IPersonalDataSource> sources, TimeProvider time)
    : IRequestHandler<ExportCustomer, Result<CustomerExport>>
{
    public async ValueTask<Result<CustomerExport>> Handle(ExportCustomer request, CancellationToken cancellationToken)
    {
        Customer? customer;
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            customer = await session.LoadAsync<Customer>(request.Id, cancellationToken).ConfigureAwait(false);
        }

        if (customer is null)
        {
            return CustomerErrors.NotFound;
        }

        var sections = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            sections[source.Section] = await source.ExportAsync(customer.Id, customer.Email, cancellationToken).ConfigureAwait(false);
        }

        return new CustomerExport(time.GetUtcNow(), customer.ToResponse(), sections);
    }
}

internal sealed class ExportCustomerEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersRead)
            .MapGet("/{id}/export", HandleAsync)
            .WithName("ExportCustomer")
            .WithSummary("Everything Crm holds about a customer, for a data-portability request.")
            .Produces<CustomerExport>()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new ExportCustomer(id), cancellationToken);
        return result.ToHttpResult(export =>
        {
            httpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"customer-{export.Customer.Id}.json\"";
            return TypedResults.Ok(export);
        });
    }
}
