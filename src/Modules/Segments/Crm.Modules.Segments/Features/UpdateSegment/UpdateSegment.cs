using System.Text.Json.Nodes;
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

namespace Crm.Modules.Segments.Features.UpdateSegment;

internal sealed record UpdateSegment(string Id, SegmentInput Input, string? IfMatch, string? UserId) : IRequest<Result<SegmentResponse>>;

/// <summary>Replaces a segment's name, description and rules; the version rises, and members who enter or leave because of the new rules are announced.</summary>
internal sealed class UpdateSegmentHandler(IDocumentStore store, AudienceIndex index, SavedSegments saved, TimeProvider time)
    : IRequestHandler<UpdateSegment, Result<SegmentResponse>>
{
    public async ValueTask<Result<SegmentResponse>> Handle(UpdateSegment request, CancellationToken cancellationToken)
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

            // The members under the old rules, so the tracker can announce who the new rules bring in or leave out.
            var previous = saved.Compile(segment, index);
            var input = request.Input;
            segment.Name = input.Name;
            segment.NameKey = Segment.KeyOf(input.Name);
            segment.Description = input.Description;
            segment.Rules = input.RulesJson;
            segment.UpdatedBy = request.UserId;
            segment.UpdatedAt = time.GetUtcNow();
            session.Store(segment);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.DuplicateKey)
            {
                return SegmentErrors.NameTaken;
            }
            catch (DocumentConflictException)
            {
                return SegmentErrors.StaleVersion;
            }

            saved.Saved(segment, index, previous?.Plan, time.GetUtcNow());

            return SegmentResponse.From(segment);
        }
    }
}

internal sealed class UpdateSegmentEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsWrite)
            .MapPut("/{id}", HandleAsync)
            .WithName("UpdateSegment")
            .WithSummary("Replaces a segment's name, description and rules. Send If-Match with its ETag to refuse a lost update.")
            .Accepts<JsonObject>(SegmentsApi.Json)
            .Produces<SegmentResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, AudienceIndex index, CancellationToken cancellationToken)
    {
        var body = await SegmentsApi.ReadObjectAsync(httpContext.Request, cancellationToken);
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        var input = SegmentInput.Read(body.Value, index);
        if (input.IsFailure)
        {
            return input.ToProblem();
        }

        var request = new UpdateSegment(id, input.Value, EntityTags.IfMatchOf(httpContext.Request), httpContext.User.SubjectId());
        var result = await sender.Send(request, cancellationToken);
        return result.ToHttpResult(segment =>
        {
            httpContext.Response.Headers.ETag = EntityTags.Of(segment.Version);
            return TypedResults.Ok(segment);
        });
    }
}
