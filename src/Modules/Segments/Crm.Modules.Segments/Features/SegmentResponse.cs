using System.Text.Json.Nodes;
using Crm.Modules.Segments.Domain;

namespace Crm.Modules.Segments.Features;

internal sealed record SegmentResponse(
    string Id,
    string Name,
    string? Description,
    JsonObject Rules,
    string? CreatedBy,
    DateTimeOffset CreatedAt,
    string? UpdatedBy,
    DateTimeOffset UpdatedAt,
    long Version,
    long? MemberCount)
{
    public static SegmentResponse From(Segment segment, long? memberCount = null) => new(
        segment.Id,
        segment.Name,
        segment.Description,
        JsonNode.Parse(segment.Rules)!.AsObject(),
        segment.CreatedBy,
        segment.CreatedAt,
        segment.UpdatedBy,
        segment.UpdatedAt,
        segment.Version,
        memberCount);
}

internal sealed record SegmentListResponse(IReadOnlyList<SegmentResponse> Items, string? Next);
