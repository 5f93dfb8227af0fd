using System.Text.Json.Nodes;
using Carter;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Rules;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Segments.Features.PreviewSegment;

internal sealed record PreviewSegment(JsonNode? Rules, int SampleSize) : IRequest<Result<PreviewResponse>>;

/// <summary>The same rules as MongoDB would run them: the filter, and the pipeline that also computes order windows.</summary>
internal sealed record SegmentQuery(string Collection, JsonObject Filter, JsonArray Pipeline);

internal sealed record PreviewResponse(
    long Count,
    long Total,
    double Share,
    IReadOnlyList<AudienceMember> Sample,
    SegmentQuery Query,
    JsonObject Rules,
    double TookMs,
    DateTimeOffset EvaluatedAt);

internal sealed class PreviewSegmentHandler(AudienceReader reader, IDocumentStore store) : IRequestHandler<PreviewSegment, Result<PreviewResponse>>
{
    public async ValueTask<Result<PreviewResponse>> Handle(PreviewSegment request, CancellationToken cancellationToken)
    {
        var rules = RuleParser.Parse(request.Rules, reader.Index.AttributeType);
        if (rules.IsFailure)
        {
            return rules.Error;
        }

        var evaluation = await reader.EvaluateAsync(AudiencePlan.Compile(rules.Value), "preview", cancellationToken).ConfigureAwait(false);
        if (evaluation.IsFailure)
        {
            return evaluation.Error;
        }

        var result = evaluation.Value;
        var sample = await AudienceMember.LoadAsync(store, reader.FirstIds(result, request.SampleSize), cancellationToken).ConfigureAwait(false);
        var mongo = MongoQuery.Render(rules.Value, result.EvaluatedAt);
        return new PreviewResponse(
            result.Count,
            result.Total,
            result.Share,
            sample,
            new SegmentQuery(mongo.Collection, mongo.Filter, mongo.Pipeline),
            RuleJson.Write(rules.Value),
            Math.Round(result.Took.TotalMilliseconds, 3),
            result.EvaluatedAt);
    }
}

internal sealed class PreviewSegmentEndpoint : ICarterModule
{
    public const int DefaultSample = 20;

    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsRead)
            .MapPost("/preview", HandleAsync)
            .WithName("PreviewSegment")
            .WithSummary("Counts the customers matching rules (tree or flat form) now, with a sample of 20, the rules as a MongoDB query, and the time taken.")
            .Accepts<JsonObject>(SegmentsApi.Json)
            .Produces<PreviewResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var body = await SegmentsApi.ReadObjectAsync(httpContext.Request, cancellationToken);
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        var sample = SegmentsApi.OptionalInteger(body.Value, "sampleSize", "sample_size", DefaultSample, 0, 100);
        if (sample.IsFailure)
        {
            return sample.ToProblem();
        }

        var result = await sender.Send(new PreviewSegment(body.Value["rules"], sample.Value), cancellationToken);
        return result.ToHttpResult(TypedResults.Ok);
    }
}
