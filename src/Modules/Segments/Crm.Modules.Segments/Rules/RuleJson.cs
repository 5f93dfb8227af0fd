using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Rules;

/// <summary>Writes a rule back in the canonical tree form: what a saved segment stores and what the API echoes.</summary>
internal static class RuleJson
{
    // Stored text, never HTML: operators such as ">" stay readable.
    private static readonly JsonSerializerOptions Text = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ToText(RuleGroup group) => Write(group).ToJsonString(Text);

    public static JsonObject Write(RuleGroup group)
    {
        var rules = new JsonArray();
        foreach (var rule in group.Rules)
        {
            rules.Add(rule switch
            {
                RuleGroup inner => Write(inner),
                RuleCondition condition => Write(condition),
                _ => throw new InvalidOperationException("Unknown rule node."),
            });
        }

        return new JsonObject
        {
            ["combinator"] = group.Combinator == Combinator.And ? "and" : "or",
            ["not"] = group.Not,
            ["rules"] = rules,
        };
    }

    private static JsonObject Write(RuleCondition condition)
    {
        var json = new JsonObject
        {
            ["field"] = condition.Field.Name,
            ["operator"] = condition.Operator,
        };
        if (Value(condition) is { } value)
        {
            json["value"] = value;
        }

        if (condition.WindowDays is { } days)
        {
            json["days"] = days;
        }

        return json;
    }

    private static JsonNode? Value(RuleCondition condition)
    {
        var v = condition.Value;
        if (v.Days is { } days)
        {
            return days;
        }

        if (v.Number is { } low && v.Upper is { } high)
        {
            return new JsonArray(low, high);
        }

        if (v.Date is { } from && v.UpperDate is { } to)
        {
            return new JsonArray(Date(from), Date(to));
        }

        if (v.Numbers is { } numbers)
        {
            return new JsonArray([.. numbers.Select(n => (JsonNode)n)]);
        }

        if (v.Texts is { } texts)
        {
            return new JsonArray([.. texts.Select(t => (JsonNode)t)]);
        }

        return v switch
        {
            { Number: { } n } => n,
            { Date: { } d } => Date(d),
            { Flag: { } f } => f,
            { Text: { } t } => t,
            _ => null,
        };
    }

    private static string Date(DateTimeOffset date) =>
        date.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>Every field the rule names, for the catalog's "used by" and for members' extra columns.</summary>
    public static IEnumerable<RuleCondition> Conditions(RuleNode node) => node switch
    {
        RuleCondition condition => [condition],
        RuleGroup group => group.Rules.SelectMany(Conditions),
        _ => [],
    };

    public static bool UsesOrderWindows(RuleNode node) =>
        Conditions(node).Any(c => c.Field.WindowDays);

    public static bool IsBuiltIn(RuleCondition condition) => SegmentFieldCatalog.Find(condition.Field.Name) is not null;
}
