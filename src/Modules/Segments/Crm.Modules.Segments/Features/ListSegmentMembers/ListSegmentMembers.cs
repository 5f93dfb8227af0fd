using System.Text;
using Carter;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Crm.Modules.Segments.Features.ListSegmentMembers;

internal sealed record SegmentMembersResponse(IReadOnlyList<AudienceMember> Items, long Count, string? Next, DateTimeOffset EvaluatedAt);

/// <summary>
/// GET /segments/{id}/members: the members now, in id order, a page at a time (keyset cursor, so pages neither
/// repeat nor skip customers while others join); <c>format=csv</c> or <c>Accept: text/csv</c> streams them all.
/// Membership comes from the index; the shown fields from <c>segments.audience</c>, a page (or CSV chunk) per read.
/// </summary>
internal sealed class ListSegmentMembersEndpoint : ICarterModule
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;
    private const int CsvChunk = 500;
    private const string Csv = "text/csv";

    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsRead)
            .MapGet("/{id}/members", HandleAsync)
            .WithName("ListSegmentMembers")
            .WithSummary("A saved segment's members now: JSON pages (limit up to 1000, next cursor) or, with format=csv or Accept: text/csv, all of them as CSV.")
            .Produces<SegmentMembersResponse>()
            .Produces(StatusCodes.Status200OK, contentType: Csv)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> HandleAsync(
        string id,
        int? limit,
        string? cursor,
        string? format,
        HttpContext httpContext,
        IDocumentStore store,
        AudienceReader reader,
        SavedSegments saved,
        CancellationToken cancellationToken)
    {
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
            || (format is null && httpContext.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(Csv, StringComparison.OrdinalIgnoreCase)));
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return Error.InvalidField("format", "must be json or csv").ToProblem();
        }

        if (limit is < 1 or > MaxLimit)
        {
            return Error.InvalidField("limit", $"must be from 1 to {MaxLimit}").ToProblem();
        }

        string? after = null;
        if (cursor is not null && (after = SegmentCursor.Decode(cursor)) is null)
        {
            return SegmentErrors.InvalidCursor.ToProblem();
        }

        Segment? segment;
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            segment = await session.LoadAsync<Segment>(id, cancellationToken);
        }

        if (segment is null)
        {
            return SegmentErrors.NotFound.ToProblem();
        }

        if (saved.Compile(segment, reader.Index) is not { } compiled)
        {
            return SegmentErrors.StoredRulesUnreadable.ToProblem();
        }

        var evaluation = await reader.EvaluateAsync(compiled.Plan, "members", cancellationToken);
        if (evaluation.IsFailure)
        {
            return evaluation.ToProblem();
        }

        if (csv)
        {
            var all = reader.IdsAfter(evaluation.Value, null, null);
            return TypedResults.Stream(
                stream => WriteCsvAsync(stream, store, all, httpContext.RequestAborted),
                "text/csv; charset=utf-8",
                fileDownloadName: $"segment-{segment.Id}-members.csv");
        }

        var size = limit ?? DefaultLimit;
        var page = reader.IdsAfter(evaluation.Value, after, size + 1);
        var shown = page.Take(size).ToList();
        var items = await AudienceMember.LoadAsync(store, shown, cancellationToken);
        var next = page.Count > size ? SegmentCursor.Encode(shown[^1]) : null;
        return TypedResults.Ok(new SegmentMembersResponse(items, evaluation.Value.Count, next, evaluation.Value.EvaluatedAt));
    }

    private static async Task WriteCsvAsync(Stream stream, IDocumentStore store, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteAsync(MembersCsv.Header + "\r\n").ConfigureAwait(false);
            foreach (var chunk in ids.Chunk(CsvChunk))
            {
                foreach (var member in await AudienceMember.LoadAsync(store, chunk, cancellationToken).ConfigureAwait(false))
                {
                    await writer.WriteAsync(MembersCsv.Line(member) + "\r\n").ConfigureAwait(false);
                }
            }
        }
    }
}
