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

namespace Crm.Modules.Segments.Features.DeleteSegment;

internal sealed record DeleteSegment(string Id, string? IfMatch) : IRequest<Result>;

internal sealed class DeleteSegmentHandler(IDocumentStore store, SavedSegments saved) : IRequestHandler<DeleteSegment, Result>
{
    public async ValueTask<Result> Handle(DeleteSegment request, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var segment = await session.LoadAsync<Segment>(request.Id, cancellationToken).ConfigureAwait(false);
            if (segment is null)
            {
                return SegmentErrors.NotFound;
            }

            if (request.IfMatch is { } ifMatch && !EntityTags.IfMatchHolds(ifMatch, segment.Version))
            {
                return SegmentErrors.StaleVersion;
            }

            session.Delete<Segment>(segment.Id, segment.Version);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException)
            {
                return SegmentErrors.StaleVersion;
            }
        }

        saved.Remove(request.Id);
        return Result.Success();
    }
}

internal sealed class DeleteSegmentEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsWrite)
            .MapDelete("/{id}", HandleAsync)
            .WithName("DeleteSegment")
            .WithSummary("Deletes a saved segment. Its members are not announced as leaving.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new DeleteSegment(id, EntityTags.IfMatchOf(httpContext.Request)), cancellationToken);
        return result.ToHttpResult(TypedResults.NoContent);
    }
}
