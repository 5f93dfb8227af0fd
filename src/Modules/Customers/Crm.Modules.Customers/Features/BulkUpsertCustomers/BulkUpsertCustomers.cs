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

/// <summary>One bulk call's body, read and checked whole; its rows are bound a chunk at a time while they are upserted.</summary>
internal sealed record BulkUpsertCustomers(BulkBody Body) : IRequest<BulkResponse>;

internal sealed class BulkUpsertCustomersHandler(CustomerUpserter upserter, IOptions<BulkOptions> options) : IRequestHandler<BulkUpsertCustomers, BulkResponse>
{
    public const string Source = "bulk";

    public async ValueTask<BulkResponse> Handle(BulkUpsertCustomers request, CancellationToken cancellationToken)
    {
        var outcome = await upserter.UpsertAsync(Chunks(request.Body, Math.Max(1, options.Value.ChunkRows)), Source, cancellationToken).ConfigureAwait(false);
        return new BulkResponse(outcome.Received, outcome.Inserted, outcome.Updated, outcome.Unchanged, outcome.Failed, outcome.Errors);
    }

    /// <summary>Binds the next chunk only when the upserter asks for it, so a call never holds all its rows as objects.</summary>
    private static IEnumerable<UpsertChunk> Chunks(BulkBody body, int chunkRows)
    {
        for (var start = 0; start < body.Count; start += chunkRows)
        {
            var rows = new List<UpsertRow>(Math.Min(chunkRows, body.Count - start));
            var unreadable = new List<BulkRowError>();
            foreach (var row in body.Bind<CustomerInput>(start, Math.Min(chunkRows, body.Count - start)))
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

            yield return new UpsertChunk(rows, unreadable);
        }
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

        var body = await httpContext.Request
            .ReadBulkBodyAsync(new BulkReadOptions { MaxRows = limits.MaxRows }, cancellationToken)
            .ConfigureAwait(false);
        if (body.IsFailure)
        {
            return body.Error.ToProblem();
        }

        using (body.Value)
        {
            return TypedResults.Ok(await sender.Send(new BulkUpsertCustomers(body.Value), cancellationToken).ConfigureAwait(false));
        }
    }
}
