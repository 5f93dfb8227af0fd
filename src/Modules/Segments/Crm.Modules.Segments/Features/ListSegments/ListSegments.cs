using Carter;
using Crm.Modules.Segments.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Segments.Features.ListSegments;

internal sealed record ListSegments(int Limit, string? After) : IRequest<Result<SegmentListResponse>>;

internal sealed class ListSegmentsHandler(IDocumentStore store) : IRequestHandler<ListSegments, Result<SegmentListResponse>>
{
    public async ValueTask<Result<SegmentListResponse>> Handle(ListSegments request, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            // Ids are time-ordered, and results are ordered by id when no other key is given.
            var query = session.Query<Segment>();
            if (request.After is { } after)
            {
                query = query.After(after);
            }

            var page = await query.Take(request.Limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
            var items = page.Take(request.Limit).Select(s => SegmentResponse.From(s)).ToList();
            var next = page.Count > request.Limit ? SegmentCursor.Encode(items[^1].Id) : null;
            return new SegmentListResponse(items, next);
        }
    }
}

internal sealed class ListSegmentsEndpoint : ICarterModule
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsRead)
            .MapGet("/", HandleAsync)
            .WithName("ListSegments")
            .WithSummary("Saved segments in creation order, a page at a time (limit up to 200, next cursor).")
            .Produces<SegmentListResponse>()
            .ProducesValidationProblem();

    private static async Task<IResult> HandleAsync(int? limit, string? cursor, ISender sender, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return Error.InvalidField("limit", $"must be from 1 to {MaxLimit}").ToProblem();
        }

        string? after = null;
        if (cursor is not null && (after = SegmentCursor.Decode(cursor)) is null)
        {
            return SegmentErrors.InvalidCursor.ToProblem();
        }

        var result = await sender.Send(new ListSegments(limit ?? DefaultLimit, after), cancellationToken);
        return result.ToHttpResult(TypedResults.Ok);
    }
}
