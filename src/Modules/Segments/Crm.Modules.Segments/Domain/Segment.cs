using System.Text.Json.Nodes;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Rules;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;

namespace Crm.Modules.Segments.Domain;

/// <summary>A saved segment in <c>segments.segments</c>. <see cref="Rules"/> is the canonical tree form as JSON text.</summary>
internal sealed class Segment : IDocument
{
    public const string Collection = "segments.segments";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The name trimmed and lower case: names are unique without regard to case.</summary>
    public string NameKey { get; set; } = "";

    public string? Description { get; set; }

    public string Rules { get; set; } = "";

    /// <summary>The user id (token subject) who created it.</summary>
    public string? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? UpdatedBy { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public static string KeyOf(string name) => name.Trim().ToLowerInvariant();

    /// <summary>
    /// The stored rules, read back leniently: an attribute no customer holds any longer is typed from its value
    /// rather than refused, so a saved segment stays readable (and matches no one) after erasures.
    /// </summary>
    public Result<RuleGroup> ParseRules(AudienceIndex index) =>
        RuleParser.Parse(JsonNode.Parse(Rules), index.AttributeType, "rules", inferUnknownAttributes: true);
}
