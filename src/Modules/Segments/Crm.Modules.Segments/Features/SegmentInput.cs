using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Rules;
using Crm.SharedKernel.Errors;

namespace Crm.Modules.Segments.Features;

/// <summary>A segment as a client writes it: a name, an optional description and rules, all checked together.</summary>
internal sealed record SegmentInput(string Name, string? Description, RuleGroup Rules)
{
    public const int MaxName = 200;
    public const int MaxDescription = 2000;

    private static readonly HashSet<string> Members = new(StringComparer.Ordinal) { "name", "description", "rules" };

    public static Result<SegmentInput> Read(JsonObject body, AudienceIndex index)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (member, _) in body)
        {
            if (!Members.Contains(member))
            {
                errors[member] = ["is not a segment field (name, description, rules)"];
            }
        }

        string? name = null;
        if (body["name"] is { } nameNode && nameNode.GetValueKind() == JsonValueKind.String && nameNode.GetValue<string>().Trim() is { Length: > 0 } trimmed)
        {
            name = trimmed;
            if (name.Length > MaxName)
            {
                errors["name"] = [$"must be at most {MaxName} characters"];
            }
        }
        else
        {
            errors["name"] = ["is required"];
        }

        var description = SegmentsApi.OptionalText(body, "description", MaxDescription);
        if (description.IsFailure)
        {
            Merge(errors, description.Error);
        }

        var rules = RuleParser.Parse(body["rules"], index.AttributeType);
        if (rules.IsFailure)
        {
            if (rules.Error.FieldErrors is null)
            {
                return rules.Error;
            }

            Merge(errors, rules.Error);
        }

        if (errors.Count > 0)
        {
            return Error.Validation("segments.invalid", "The segment is not valid; each error names its field.", errors);
        }

        return new SegmentInput(name!, string.IsNullOrEmpty(description.Value) ? null : description.Value, rules.Value);
    }

    public string RulesJson => RuleJson.ToText(Rules);

    private static void Merge(Dictionary<string, string[]> errors, Error error)
    {
        foreach (var (field, messages) in error.FieldErrors ?? new Dictionary<string, string[]>())
        {
            errors[field] = messages;
        }
    }
}
