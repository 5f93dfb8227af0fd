using Crm.SharedKernel.Errors;

namespace Crm.Modules.Segments.Features;

internal static class SegmentErrors
{
    public static readonly Error NotFound = Error.NotFound("segments.not_found", "No segment has this id.");

    public static readonly Error NameTaken = Error.Conflict(
        "segments.name_taken",
        "Another segment already has this name.",
        new Dictionary<string, string[]>(StringComparer.Ordinal) { ["name"] = ["is already used by another segment"] });

    public static readonly Error StaleVersion = Error.PreconditionFailed(
        "segments.stale_version",
        "The segment changed since the version in If-Match; read it again and retry.");

    public static readonly Error InvalidCursor = Error.InvalidField("cursor", "is not a cursor this API gave out");

    public static readonly Error StoredRulesUnreadable = Error.Unprocessable(
        "segments.rules_unreadable",
        "The segment's stored rules no longer validate; save the segment again with valid rules.");
}
