using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Carter;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Rules;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Segments.Features.AnalyzeSegment;

internal sealed record AnalyzeSegment(JsonNode? Rules, string AnalysisType, IReadOnlyList<string>? ProjectionChannels) : IRequest<Result<AnalysisResponse>>;

/// <summary>
/// What a campaign to this segment may bring on one channel. Without past campaign results to learn from,
/// <see cref="Baseline"/> is true and <see cref="ResponseRate"/> is the documented baseline of docs/segments.md.
/// </summary>
internal sealed record ChannelProjection(
    string Channel,
    long Reachable,
    double ResponseRate,
    long ExpectedResponses,
    decimal ExpectedRevenue,
    bool Baseline,
    string Basis);

internal sealed record AnalysisResponse(
    string AnalysisType,
    long Size,
    long Total,
    double Share,
    decimal TotalSpent,
    decimal AverageSpent,
    double AverageOrders,
    decimal AverageOrderValue,
    Reachability Reachable,
    Distributions Distributions,
    IReadOnlyList<ChannelProjection>? Projection,
    JsonObject Rules,
    double TookMs,
    DateTimeOffset EvaluatedAt);

internal sealed class AnalyzeSegmentHandler(AudienceReader reader) : IRequestHandler<AnalyzeSegment, Result<AnalysisResponse>>
{
    /// <summary>Share of reachable customers who buy after one message, per channel, before any campaign result is known.</summary>
    public static readonly IReadOnlyDictionary<string, double> BaselineResponseRates = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["email"] = 0.02,
        ["sms"] = 0.03,
        ["push"] = 0.01,
    };

    public async ValueTask<Result<AnalysisResponse>> Handle(AnalyzeSegment request, CancellationToken cancellationToken)
    {
        var rules = RuleParser.Parse(request.Rules, reader.Index.AttributeType);
        if (rules.IsFailure)
        {
            return rules.Error;
        }

        var started = Stopwatch.GetTimestamp();
        var evaluation = await reader.EvaluateAsync(AudiencePlan.Compile(rules.Value), "analyze", cancellationToken).ConfigureAwait(false);
        if (evaluation.IsFailure)
        {
            return evaluation.Error;
        }

        SegmentFigures figures;
        using (reader.Index.Read())
        {
            figures = SegmentAnalysis.Compute(reader.Index, evaluation.Value);
        }

        var took = Stopwatch.GetElapsedTime(started);
        SegmentsTelemetry.RecordEvaluation("analyze.total", took);
        return new AnalysisResponse(
            request.AnalysisType,
            figures.Size,
            figures.Total,
            figures.Share,
            figures.TotalSpent,
            figures.AverageSpent,
            figures.AverageOrders,
            figures.AverageOrderValue,
            figures.Reachable,
            figures.Distributions,
            request.ProjectionChannels?.Select(channel => Project(channel, figures)).ToList(),
            RuleJson.Write(rules.Value),
            Math.Round(took.TotalMilliseconds, 3),
            evaluation.Value.EvaluatedAt);
    }

    private static ChannelProjection Project(string channel, SegmentFigures figures)
    {
        var reachable = channel switch
        {
            "email" => figures.Reachable.Email,
            "sms" => figures.Reachable.Sms,
            _ => figures.Reachable.Push,
        };
        var rate = BaselineResponseRates[channel];
        var responses = (long)Math.Round(reachable * rate);
        return new ChannelProjection(
            channel,
            reachable,
            rate,
            responses,
            Math.Round(responses * figures.AverageOrderValue, 2),
            Baseline: true,
            Basis: $"baseline: no campaign results yet; {rate:P1} of customers opted in to {channel} respond, each spending the segment's average order value");
    }
}

internal sealed class AnalyzeSegmentEndpoint : ICarterModule
{
    public const string DemographicBreakdown = "demographic_breakdown";

    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsRead)
            .MapPost("/analyze", HandleAsync)
            .WithName("AnalyzeSegment")
            .WithSummary("Size, share, distributions, spend and projected campaign performance of the customers matching rules.")
            .Accepts<JsonObject>(SegmentsApi.Json)
            .Produces<AnalysisResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var body = await SegmentsApi.ReadObjectAsync(httpContext.Request, cancellationToken);
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        var type = SegmentsApi.Member(body.Value, "analysisType", "analysis_type");
        var analysisType = type is null ? DemographicBreakdown : type.GetValueKind() == JsonValueKind.String ? type.GetValue<string>().Trim() : null;
        if (analysisType != DemographicBreakdown)
        {
            return Error.InvalidField("analysisType", $"must be \"{DemographicBreakdown}\"").ToProblem();
        }

        var channels = Channels(body.Value["projection"]);
        if (channels.IsFailure)
        {
            return channels.ToProblem();
        }

        var result = await sender.Send(new AnalyzeSegment(body.Value["rules"], analysisType, channels.Value), cancellationToken);
        return result.ToHttpResult(TypedResults.Ok);
    }

    /// <summary>
    /// <c>projection</c>: absent or true for every channel, false for none, a channel name, or
    /// <c>{ "channel": "email" }</c> / <c>{ "channels": [...] }</c>.
    /// </summary>
    private static Result<IReadOnlyList<string>?> Channels(JsonNode? projection)
    {
        IReadOnlyList<string> all = [.. AnalyzeSegmentHandler.BaselineResponseRates.Keys];
        JsonNode? named = projection switch
        {
            JsonObject o => o["channels"] ?? o["channel"],
            _ => projection,
        };
        switch (named?.GetValueKind())
        {
            case null or JsonValueKind.True:
                return Result<IReadOnlyList<string>?>.Success(all);
            case JsonValueKind.False:
                return Result<IReadOnlyList<string>?>.Success(null);
            case JsonValueKind.String when all.Contains(named.GetValue<string>()):
                return Result<IReadOnlyList<string>?>.Success([named.GetValue<string>()]);
            case JsonValueKind.Array when named.AsArray() is { Count: > 0 } list
                && list.All(c => c?.GetValueKind() == JsonValueKind.String && all.Contains(c.GetValue<string>())):
                return Result<IReadOnlyList<string>?>.Success(list.Select(c => c!.GetValue<string>()).Distinct().ToList());
            default:
                return Error.InvalidField("projection", $"must be true, false, or name channels among {string.Join(", ", all)}");
        }
    }
}
