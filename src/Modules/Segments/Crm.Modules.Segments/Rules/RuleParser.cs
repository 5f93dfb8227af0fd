using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Segments.Contracts;
using Crm.SharedKernel.Errors;

namespace Crm.Modules.Segments.Rules;

/// <summary>
/// Reads rules as a client sends them (the tree form, or the flat list form where AND binds tighter than OR) into a
/// validated <see cref="RuleGroup"/>. Every problem is reported at once, keyed by the JSON path of the failing node
/// (<c>rules.rules[1].operator</c>), so a rule builder can mark the exact row.
/// </summary>
internal sealed class RuleParser
{
    public const int MaxDepth = 6;
    public const int MaxConditions = 200;
    public const int MaxListValues = 1000;
    public const int MaxWindowDays = 3650;
    public const int MaxRelativeDays = 36500;

    public static readonly Error TooDeep = Error.Validation(
        "segments.rules_too_deep",
        $"Rules may nest at most {MaxDepth} groups deep.");

    public static readonly Error TooMany = Error.Validation(
        "segments.too_many_rules",
        $"Rules may hold at most {MaxConditions} conditions.");

    private readonly Func<string, SegmentFieldType?> _attributeType;
    private readonly bool _inferUnknownAttributes;
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private int _conditions;
    private Error? _limit;

    private RuleParser(Func<string, SegmentFieldType?> attributeType, bool inferUnknownAttributes)
    {
        _attributeType = attributeType;
        _inferUnknownAttributes = inferUnknownAttributes;
    }

    /// <summary>
    /// Parses <paramref name="rules"/> found at <paramref name="path"/> of the body. <paramref name="attributeType"/>
    /// types <c>attributes.&lt;key&gt;</c> fields; with <paramref name="inferUnknownAttributes"/> an attribute no
    /// customer has yet is typed from the condition's value (saved segments stay readable when the last customer
    /// with an attribute is erased) instead of being refused as unknown.
    /// </summary>
    public static Result<RuleGroup> Parse(
        JsonNode? rules,
        Func<string, SegmentFieldType?> attributeType,
        string path = "rules",
        bool inferUnknownAttributes = false)
    {
        var parser = new RuleParser(attributeType, inferUnknownAttributes);
        RuleGroup? group = null;
        switch (rules)
        {
            case null:
                parser.Add(path, "is required: a group { \"combinator\": \"and\", \"rules\": [...] } or a list of conditions");
                break;
            case JsonArray flat:
                group = parser.Items(flat, path, depth: 1, combinator: null, not: false);
                break;
            case JsonObject obj when obj.ContainsKey("rules"):
                group = parser.Group(obj, path, depth: 1);
                break;
            case JsonObject single:
                // A lone condition is a group of one.
                var condition = parser.Condition(single, path);
                group = condition is null ? null : new RuleGroup(Combinator.And, false, [condition]);
                break;
            default:
                parser.Add(path, "must be a group object or a list of conditions");
                break;
        }

        if (parser._limit is { } limit)
        {
            return limit;
        }

        if (parser._errors.Count > 0 || group is null)
        {
            return Error.Validation(
                "segments.invalid_rules",
                "The rules are not valid; each error names the path of the rule it is about.",
                parser._errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }

        return group;
    }

    private RuleGroup? Group(JsonObject group, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            _limit ??= TooDeep;
            return null;
        }

        Combinator? combinator = null;
        var combinatorNode = group["combinator"] ?? group["condition"];
        if (combinatorNode is not null)
        {
            combinator = AsString(combinatorNode)?.Trim().ToUpperInvariant() switch
            {
                "AND" => Combinator.And,
                "OR" => Combinator.Or,
                _ => null,
            };
            if (combinator is null)
            {
                Add(path + ".combinator", "must be \"and\" or \"or\"");
            }
        }

        var not = false;
        if (group["not"] is { } notNode)
        {
            if (notNode.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                not = notNode.GetValue<bool>();
            }
            else
            {
                Add(path + ".not", "must be true or false");
            }
        }

        if (group["rules"] is not JsonArray items)
        {
            Add(path + ".rules", "must be a list of rules");
            return null;
        }

        return Items(items, path + ".rules", depth, combinatorNode is null ? null : combinator ?? Combinator.And, not);
    }

    /// <summary>
    /// A group's items. With a combinator they are joined by it; without one, each item's <c>condition</c>
    /// ("AND"/"OR") joins it to the next, and runs joined by AND are grouped before the ORs (AND binds tighter).
    /// </summary>
    private RuleGroup? Items(JsonArray items, string path, int depth, Combinator? combinator, bool not)
    {
        if (items.Count == 0)
        {
            Add(path, "must hold at least one rule (an empty group matches nothing useful)");
            return null;
        }

        var parsed = new List<RuleNode?>(items.Count);
        var joins = new List<Combinator>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (items[i] is not JsonObject item)
            {
                Add(itemPath, "must be a condition or a group object");
                parsed.Add(null);
                joins.Add(Combinator.And);
                continue;
            }

            parsed.Add(item.ContainsKey("rules") ? Group(item, itemPath, depth + 1) : Condition(item, itemPath));
            var join = Combinator.And;
            if (combinator is null && item["condition"] is { } joinNode && !item.ContainsKey("rules"))
            {
                switch (AsString(joinNode)?.Trim().ToUpperInvariant())
                {
                    case "AND":
                        break;
                    case "OR":
                        join = Combinator.Or;
                        break;
                    default:
                        Add(itemPath + ".condition", "must be \"AND\" or \"OR\"");
                        break;
                }
            }

            joins.Add(join);
        }

        if (parsed.Any(p => p is null))
        {
            return null;
        }

        var nodes = parsed.Select(p => p!).ToList();
        if (combinator is { } given)
        {
            return new RuleGroup(given, not, nodes);
        }

        // The flat form: split at every OR; each run of ANDs becomes one group.
        var runs = new List<List<RuleNode>> { new() };
        for (var i = 0; i < nodes.Count; i++)
        {
            runs[^1].Add(nodes[i]);
            if (i < nodes.Count - 1 && joins[i] == Combinator.Or)
            {
                runs.Add([]);
            }
        }

        if (runs.Count == 1)
        {
            return new RuleGroup(Combinator.And, not, runs[0]);
        }

        return new RuleGroup(
            Combinator.Or,
            not,
            runs.Select(run => run.Count == 1 ? run[0] : new RuleGroup(Combinator.And, false, run)).ToList());
    }

    private RuleCondition? Condition(JsonObject condition, string path)
    {
        if (++_conditions > MaxConditions)
        {
            _limit ??= TooMany;
            return null;
        }

        var fieldName = AsString(condition["field"])?.Trim();
        var operatorName = AsString(condition["operator"])?.Trim();
        if (string.IsNullOrEmpty(fieldName))
        {
            Add(path + ".field", "is required");
        }

        if (string.IsNullOrEmpty(operatorName))
        {
            Add(path + ".operator", "is required");
        }

        if (string.IsNullOrEmpty(fieldName) || string.IsNullOrEmpty(operatorName))
        {
            return null;
        }

        var op = SegmentOperators.Aliases.GetValueOrDefault(operatorName, operatorName.ToLowerInvariant());
        var valueNode = condition["value"];
        var field = FindField(fieldName, valueNode, op);
        if (field is null)
        {
            Add(path + ".field", $"'{fieldName}' is not a segmentable field (GET /api/v1/segments/fields lists them)");
            return null;
        }

        if (!field.Operators.Contains(op, StringComparer.Ordinal))
        {
            Add(path + ".operator", $"'{operatorName}' is not allowed for {field.Name} ({Describe(field.Type)}); allowed: {string.Join(", ", field.Operators)}");
            return null;
        }

        int? windowDays = null;
        if (field.WindowDays)
        {
            windowDays = Integer(condition["days"], path + ".days", 1, MaxWindowDays, "the window in days");
            if (windowDays is null)
            {
                return null;
            }
        }

        var value = Value(field, op, valueNode, path + ".value");
        return value is null ? null : new RuleCondition(field, op, value, windowDays);
    }

    private SegmentField? FindField(string name, JsonNode? value, string op)
    {
        if (SegmentFieldCatalog.Find(name) is { } builtIn)
        {
            return builtIn;
        }

        if (!name.StartsWith(SegmentFieldCatalog.AttributePrefix, StringComparison.Ordinal)
            || name.Length == SegmentFieldCatalog.AttributePrefix.Length)
        {
            return null;
        }

        var key = name[SegmentFieldCatalog.AttributePrefix.Length..];
        if (_attributeType(key) is { } known)
        {
            return SegmentFieldCatalog.Attribute(key, known);
        }

        return _inferUnknownAttributes ? SegmentFieldCatalog.Attribute(key, Infer(value, op)) : null;
    }

    private static SegmentFieldType Infer(JsonNode? value, string op)
    {
        if (op is SegmentOperators.Before or SegmentOperators.After or SegmentOperators.WithinLastDays or SegmentOperators.MoreThanDaysAgo)
        {
            return SegmentFieldType.Date;
        }

        var sample = value is JsonArray { Count: > 0 } array ? array[0] : value;
        return sample?.GetValueKind() switch
        {
            JsonValueKind.Number => SegmentFieldType.Number,
            JsonValueKind.True or JsonValueKind.False => SegmentFieldType.Boolean,
            _ => SegmentFieldType.Text,
        };
    }

    private ConditionValue? Value(SegmentField field, string op, JsonNode? node, string path)
    {
        switch (op)
        {
            case SegmentOperators.IsEmpty or SegmentOperators.IsNotEmpty:
                return ConditionValue.None;
            case SegmentOperators.WithinLastDays or SegmentOperators.MoreThanDaysAgo:
                return Integer(node, path, 0, MaxRelativeDays, "a number of days") is { } days ? new ConditionValue { Days = days } : null;
        }

        switch (field.Type)
        {
            case SegmentFieldType.Number:
                return NumberValue(op, node, path);
            case SegmentFieldType.Date:
                return DateValue(op, node, path);
            case SegmentFieldType.Boolean:
                var flag = node?.GetValueKind() switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.String => AsString(node)?.Trim().ToLowerInvariant() switch { "true" => true, "false" => false, _ => (bool?)null },
                    _ => null,
                };
                if (flag is null)
                {
                    Add(path, "must be true or false");
                    return null;
                }

                return new ConditionValue { Flag = flag };
            default:
                return TextValue(field, op, node, path);
        }
    }

    private ConditionValue? NumberValue(string op, JsonNode? node, string path)
    {
        if (op is SegmentOperators.Between)
        {
            var bounds = List(node, path, "two numbers [low, high]");
            if (bounds is null)
            {
                return null;
            }

            if (bounds.Count != 2)
            {
                Add(path, "must be two numbers [low, high]");
                return null;
            }

            var low = Number(bounds[0], path + "[0]");
            var high = Number(bounds[1], path + "[1]");
            if (low is null || high is null)
            {
                return null;
            }

            if (low > high)
            {
                Add(path, "the low bound must not be above the high bound");
                return null;
            }

            return new ConditionValue { Number = low, Upper = high };
        }

        if (op is SegmentOperators.In or SegmentOperators.NotIn)
        {
            var items = List(node, path, "a list of numbers");
            if (items is null)
            {
                return null;
            }

            var numbers = new List<decimal>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                if (Number(items[i], $"{path}[{i}]") is not { } n)
                {
                    return null;
                }

                numbers.Add(n);
            }

            return new ConditionValue { Numbers = numbers };
        }

        return Number(node, path) is { } number ? new ConditionValue { Number = number } : null;
    }

    private ConditionValue? DateValue(string op, JsonNode? node, string path)
    {
        if (op is SegmentOperators.Between)
        {
            var bounds = List(node, path, "two dates [from, to]");
            if (bounds is null)
            {
                return null;
            }

            if (bounds.Count != 2)
            {
                Add(path, "must be two dates [from, to]");
                return null;
            }

            var from = Date(bounds[0], path + "[0]");
            var to = Date(bounds[1], path + "[1]");
            if (from is null || to is null)
            {
                return null;
            }

            if (from > to)
            {
                Add(path, "the first date must not be after the second");
                return null;
            }

            return new ConditionValue { Date = from, UpperDate = to };
        }

        return Date(node, path) is { } date ? new ConditionValue { Date = date } : null;
    }

    private ConditionValue? TextValue(SegmentField field, string op, JsonNode? node, string path)
    {
        if (op is SegmentOperators.In or SegmentOperators.NotIn)
        {
            var items = List(node, path, "a list of values");
            if (items is null)
            {
                return null;
            }

            var texts = new List<string>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                if (Text(field, items[i], $"{path}[{i}]") is not { } text)
                {
                    return null;
                }

                texts.Add(text);
            }

            return new ConditionValue { Texts = texts };
        }

        return Text(field, node, path) is { } value ? new ConditionValue { Text = value } : null;
    }

    private string? Text(SegmentField field, JsonNode? node, string path)
    {
        var text = node?.GetValueKind() switch
        {
            JsonValueKind.String => AsString(node),
            JsonValueKind.Number => node!.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        if (text is null)
        {
            Add(path, "must be a text value");
            return null;
        }

        text = text.Trim().ToLowerInvariant();
        if (text.Length == 0)
        {
            Add(path, "must not be empty (is_empty asks for no value)");
            return null;
        }

        if (field.Type == SegmentFieldType.Consent && !SegmentFieldCatalog.ConsentValues.Contains(text, StringComparer.Ordinal))
        {
            Add(path, $"must be one of {string.Join(", ", SegmentFieldCatalog.ConsentValues)}");
            return null;
        }

        return text;
    }

    /// <summary>A list value: a JSON array, or a comma-separated string (the form rule builders send).</summary>
    private List<JsonNode?>? List(JsonNode? node, string path, string what)
    {
        if (node is JsonArray array)
        {
            if (array.Count == 0 || array.Count > MaxListValues)
            {
                Add(path, $"must hold 1 to {MaxListValues} values");
                return null;
            }

            return [.. array];
        }

        if (node?.GetValueKind() == JsonValueKind.String)
        {
            var parts = AsString(node)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is > 0 and <= MaxListValues)
            {
                return parts.Select(p => (JsonNode?)JsonValue.Create(p)).ToList();
            }
        }

        Add(path, "must be " + what);
        return null;
    }

    private decimal? Number(JsonNode? node, string path)
    {
        switch (node?.GetValueKind())
        {
            case JsonValueKind.Number when NumberOf(node) is { } number:
                return number;
            case JsonValueKind.String when decimal.TryParse(AsString(node), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed):
                return parsed;
            default:
                Add(path, "must be a number");
                return null;
        }
    }

    private int? Integer(JsonNode? node, string path, int min, int max, string what)
    {
        var number = node?.GetValueKind() switch
        {
            JsonValueKind.Number when NumberOf(node) is { } n => n,
            JsonValueKind.String when decimal.TryParse(AsString(node), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => (decimal?)null,
        };
        if (number is not { } whole || whole != decimal.Truncate(whole) || whole < min || whole > max)
        {
            Add(path, $"must be {what}: a whole number from {min} to {max}");
            return null;
        }

        return (int)whole;
    }

    private DateTimeOffset? Date(JsonNode? node, string path)
    {
        var text = node?.GetValueKind() == JsonValueKind.String ? AsString(node)!.Trim() : null;
        if (text is not null)
        {
            // A bare date means the start of that day in UTC.
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
                && text.Contains('T', StringComparison.Ordinal))
            {
                return instant.ToUniversalTime();
            }
        }

        Add(path, "must be an ISO 8601 date (2026-01-31) or date-time (2026-01-31T09:00:00Z)");
        return null;
    }

    /// <summary>
    /// A JSON number as a decimal, whatever the node holds: TryGetValue&lt;decimal&gt; fails on a node built from an
    /// int (as RuleJson writes days), so the number's text is read instead.
    /// </summary>
    private static decimal? NumberOf(JsonNode node) =>
        decimal.TryParse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static string? AsString(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static string Describe(SegmentFieldType type) => type switch
    {
        SegmentFieldType.Text => "text",
        SegmentFieldType.Category => "text",
        SegmentFieldType.Number => "a number",
        SegmentFieldType.Date => "a date",
        SegmentFieldType.Boolean => "true or false",
        SegmentFieldType.Consent => "a consent",
        SegmentFieldType.List => "a list",
        _ => type.ToString(),
    };

    private void Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var messages))
        {
            _errors[path] = messages = [];
        }

        messages.Add(message);
    }
}
