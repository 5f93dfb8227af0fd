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

namespace Crm.Modules.Segments.Features.CreateSegment;

internal sealed record CreateSegment(SegmentInput Input, string? UserId) : IRequest<Result<SegmentResponse>>;

internal sealed class CreateSegmentHandler(IDocumentStore store, AudienceIndex index, SavedSegments saved, TimeProvider time)
    : IRequestHandler<CreateSegment, Result<SegmentResponse>>
{
    public async ValueTask<Result<SegmentResponse>> Handle(CreateSegment request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var input = request.Input;
        var segment = new Segment
        {
            Id = DocumentId.New(time),
            Name = input.Name,
            NameKey = Segment.KeyOf(input.Name),
            Description = input.Description,
            Rules = input.RulesJson,
            CreatedBy = request.UserId,
            CreatedAt = now,
            UpdatedBy = request.UserId,
            UpdatedAt = now,
        };
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(segment);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.DuplicateKey)
            {
                return SegmentErrors.NameTaken;
            }
        }

        saved.Saved(segment, index, before: null, time.GetUtcNow());

        return SegmentResponse.From(segment);
    }
}

internal sealed class CreateSegmentEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsWrite)
            .MapPost("/", HandleAsync)
            .WithName("CreateSegment")
            .WithSummary("Saves a segment: a unique name, an optional description and rules (tree or flat form, stored as the tree).")
            .Accepts<JsonObject>(SegmentsApi.Json)
            .Produces<SegmentResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, AudienceIndex index, CancellationToken cancellationToken)
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

        var result = await sender.Send(new CreateSegment(input.Value, httpContext.User.SubjectId()), cancellationToken);
        return result.ToHttpResult(segment =>
        {
            httpContext.Response.Headers.ETag = EntityTags.Of(segment.Version);
            return TypedResults.Created(SegmentsApi.LocationOf(segment.Id), segment);
        });
    }
}
