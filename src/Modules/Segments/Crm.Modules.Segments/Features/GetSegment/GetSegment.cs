using Carter;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Segments.Features.GetSegment;

internal sealed record GetSegment(string Id) : IRequest<Result<SegmentResponse>>;

/// <summary>A saved segment with its member count now (one evaluation over the index, milliseconds).</summary>
internal sealed class GetSegmentHandler(IDocumentStore store, AudienceReader reader, SavedSegments saved) : IRequestHandler<GetSegment, Result<SegmentResponse>>
{
    public async ValueTask<Result<SegmentResponse>> Handle(GetSegment request, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var segment = await session.LoadAsync<Segment>(request.Id, cancellationToken).ConfigureAwait(false);
            if (segment is null)
            {
                return SegmentErrors.NotFound;
            }

            long? count = null;
            if (saved.Compile(segment, reader.Index) is { } compiled
                && await reader.EvaluateAsync(compiled.Plan, "segment", cancellationToken).ConfigureAwait(false) is { IsSuccess: true } evaluation)
            {
                count = evaluation.Value.Count;
            }

            return SegmentResponse.From(segment, count);
        }
    }
}

internal sealed class GetSegmentEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsRead)
            .MapGet("/{id}", HandleAsync)
            .WithName("GetSegment")
            .WithSummary("A saved segment with its version as ETag and its member count now.")
            .Produces<SegmentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new GetSegment(id), cancellationToken);
        return result.ToHttpResult(segment =>
        {
            httpContext.Response.Headers.ETag = EntityTags.Of(segment.Version);
            return TypedResults.Ok(segment);
        });
    }
}
