using Carter;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Customers.Features.ImportCustomers;

internal sealed record GetCustomerImport(string Id) : IRequest<Result<CustomerImportResponse>>;

internal sealed class GetCustomerImportHandler(IDocumentStore store) : IRequestHandler<GetCustomerImport, Result<CustomerImportResponse>>
{
    public async ValueTask<Result<CustomerImportResponse>> Handle(GetCustomerImport request, CancellationToken cancellationToken)
    {
        await using var session = store.OpenSession();
        var job = await session.LoadAsync<CustomerImport>(request.Id, cancellationToken).ConfigureAwait(false);
        return job is null ? ImportErrors.NotFound : CustomerImportResponse.From(job);
    }
}

/// <summary>The failures file of a finished job: its path, or why there is none to give.</summary>
internal sealed record GetCustomerImportFailures(string Id) : IRequest<Result<string?>>;

internal sealed class GetCustomerImportFailuresHandler(IDocumentStore store, ImportFiles files) : IRequestHandler<GetCustomerImportFailures, Result<string?>>
{
    public async ValueTask<Result<string?>> Handle(GetCustomerImportFailures request, CancellationToken cancellationToken)
    {
        await using var session = store.OpenSession();
        var job = await session.LoadAsync<CustomerImport>(request.Id, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return ImportErrors.NotFound;
        }

        if (job.Status is ImportStatus.Queued or ImportStatus.Running)
        {
            return Error.Conflict("customers.import_not_finished", "The import has not finished; its failed rows can be downloaded once it has.");
        }

        var path = files.FailuresOf(job.Id);
        return File.Exists(path) ? path : null;
    }
}

internal static class ImportErrors
{
    public static readonly Error NotFound = Error.NotFound("customers.import_not_found", "No import has this id.");
}

/// <summary>GET /api/v1/customers/imports/{id} and /{id}/failures.</summary>
internal sealed class GetCustomerImportEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = CustomersApi.Group(app, Permissions.CustomersRead);
        group.MapGet("/imports/{id}", async (string id, ISender sender, CancellationToken cancellationToken) =>
                (await sender.Send(new GetCustomerImport(id), cancellationToken).ConfigureAwait(false)).ToHttpResult(TypedResults.Ok))
            .WithName("GetCustomerImport")
            .WithSummary("Reports an import's progress: rows read, stored and failed.")
            .Produces<CustomerImportResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/imports/{id}/failures", async (string id, ISender sender, CancellationToken cancellationToken) =>
                (await sender.Send(new GetCustomerImportFailures(id), cancellationToken).ConfigureAwait(false)).ToHttpResult(path => path is null
                    ? TypedResults.Text("row,field,reason\r\n", FailureFile.MediaType)
                    : TypedResults.PhysicalFile(path, FailureFile.MediaType, $"import-{id}-failures.csv")))
            .WithName("GetCustomerImportFailures")
            .WithSummary("Downloads an import's failed rows as CSV: the original cells, then row, field and reason.")
            .Produces(StatusCodes.Status200OK, contentType: FailureFile.MediaType)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
