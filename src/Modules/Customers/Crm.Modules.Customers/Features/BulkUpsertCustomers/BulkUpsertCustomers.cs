using Carter;
using Crm.Modules.Customers.Domain;
using Crm.Modules.Customers.Features.UpsertCustomers;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Crm.SharedKernel.Web.Bulk;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Customers.Features.BulkUpsertCustomers;

/// <summary>Rows of one bulk call, as read: each bound to a <see cref="CustomerInput"/> or failed with a reason.</summary>
internal sealed record BulkUpsertCustomers(IReadOnlyList<BulkRow<CustomerInput>> Rows) : IRequest<BulkResponse>;

internal sealed class BulkUpsertCustomersHandler(CustomerUpserter upserter) : IRequestHandler<BulkUpsertCustomers, BulkResponse>
{
    public const string Source = "bulk";

    public async ValueTask<BulkResponse> Handle(BulkUpsertCustomers request, CancellationToken cancellationToken)
    {
        var rows = new List<UpsertRow>(request.Rows.Count);
        var unreadable = new List<BulkRowError>();
        foreach (var row in request.Rows)
        {
            if (row.IsValid)
            {
                rows.Add(new UpsertRow(row.Row, row.Value));
            }
            else
            {
                unreadable.Add(row.Error);
            }
        }

        var outcome = await upserter.UpsertAsync(rows, unreadable, Source, cancellationToken).ConfigureAwait(false);
        return new BulkResponse(outcome.Received, outcome.Inserted, outcome.Updated, outcome.Unchanged, outcome.Failed, outcome.Errors);
    }
}

/// <summary>POST /api/v1/customers/bulk: a JSON array or NDJSON of customers, upserted by email.</summary>
internal sealed class BulkUpsertCustomersEndpoint : ICarterModule
{
    // The limit is declared as metadata too, so whatever reads the body before the endpoint (Idempotency-Key
    // buffering, the server) allows this endpoint's size rather than the host's default.
    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersWrite)
            .MapPost("/bulk", HandleAsync)
            .WithMetadata(new RequestSizeLimitAttribute(app.ServiceProvider.GetRequiredService<IOptions<BulkOptions>>().Value.MaxBodyBytes))
            .RequireRateLimiting(RateLimitPolicies.Bulk)
            .WithName("BulkUpsertCustomers")
            .WithSummary("Upserts up to 100,000 customers by email from a JSON array or NDJSON.")
            .WithDescription("Valid rows are stored even when others fail; the answer counts the rows and lists each failed row with its field and reason.")
            .Accepts<CustomerInput[]>("application/json", "application/x-ndjson")
            .Produces<BulkResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, IOptions<BulkOptions> options, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var format = BulkRequestReader.FormatOf(httpContext.Request.ContentType);
        if (format.IsFailure)
        {
            return format.Error.ToProblem();
        }

        var limited = RequestBodyLimit.Apply(httpContext, limits.MaxBodyBytes);
        if (limited.IsFailure)
        {
            return limited.Error.ToProblem();
        }

        var rows = await httpContext.Request
            .ReadBulkRowsAsync<CustomerInput>(new BulkReadOptions { MaxRows = limits.MaxRows }, cancellationToken)
            .ConfigureAwait(false);
        if (rows.IsFailure)
        {
            return rows.Error.ToProblem();
        }

        return TypedResults.Ok(await sender.Send(new BulkUpsertCustomers(rows.Value), cancellationToken).ConfigureAwait(false));
    }
}
