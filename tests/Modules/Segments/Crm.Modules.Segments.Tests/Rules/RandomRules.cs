using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Tests.Rules;

/// <summary>A rule as the property test means it, kept apart from the parser's model so the parser is checked too.</summary>
internal abstract record TestRule;

/// <summary>
/// A group. <see cref="OrJoins"/> is set for the flat form: entry i says whether item i joins the next with OR
/// (AND binds tighter); otherwise <see cref="Or"/> joins every item.
/// </summary>
internal sealed record TestGroup(bool Or, bool Not, IReadOnlyList<TestRule> Rules, IReadOnlyList<bool>? OrJoins) : TestRule;

/// <summary>
/// One condition with its typed value: text lower case, numbers as decimals (two for between), instants, day
/// counts, flags; <see cref="Texts"/> or <see cref="Numbers"/> for in and not_in.
/// </summary>
internal sealed record TestCondition(SegmentField Field, string Operator) : TestRule
{
    public string? Text { get; init; }

    public IReadOnlyList<string>? Texts { get; init; }

    public decimal? Number { get; init; }

    public decimal? Upper { get; init; }

    public IReadOnlyList<decimal>? Numbers { get; init; }

    public DateTimeOffset? Date { get; init; }

    public DateTimeOffset? UpperDate { get; init; }

    public int? Days { get; init; }

    public bool? Flag { get; init; }

    public int? WindowDays { get; init; }
}

/// <summary>Random rule trees over every field and operator, and the JSON a client could send for them, in varied spellings.</summary>
internal sealed class RandomRules(Random random, RandomAudience audience)
{
    /// <summary>Custom attributes as the rules type them; customers may hold other types under the same keys.</summary>
    public static IReadOnlyDictionary<string, SegmentFieldType> AttributeTypes { get; } = new Dictionary<string, SegmentFieldType>(StringComparer.Ordinal)
    {
        ["tier"] = SegmentFieldType.Text,
        ["score"] = SegmentFieldType.Number,
        ["vip"] = SegmentFieldType.Boolean,
        ["since"] = SegmentFieldType.Date,
        ["plan-type"] = SegmentFieldType.Text,
    };

    public static SegmentFieldType? AttributeType(string key) => AttributeTypes.TryGetValue(key, out var type) ? type : null;

    private static readonly IReadOnlyList<SegmentField> Fields =
        [.. SegmentFieldCatalog.Fields, .. AttributeTypes.Select(a => SegmentFieldCatalog.Attribute(a.Key, a.Value))];

    public TestGroup Tree() => Group(depth: 1);

    private TestGroup Group(int depth)
    {
        var count = random.Next(1, 5);
        var rules = new List<TestRule>(count);
        for (var i = 0; i < count; i++)
        {
            rules.Add(depth < 3 && random.Next(4) == 0 ? Group(depth + 1) : Condition());
        }

        if (random.Next(3) == 0)
        {
            // The flat form: only a condition's own "condition" joins it to the next; a group joins with AND.
            var joins = rules.Select(r => r is TestCondition && random.Next(2) == 0).ToList();
            return new TestGroup(false, depth > 1 && random.Next(4) == 0, rules, joins);
        }

        return new TestGroup(random.Next(2) == 0, random.Next(4) == 0, rules, null);
    }

    private TestCondition Condition()
    {
        var field = Fields[random.Next(Fields.Count)];
        var op = field.Operators[random.Next(field.Operators.Count)];
        var condition = new TestCondition(field, op) { WindowDays = field.WindowDays ? random.Next(1, 401) : null };
        if (op is SegmentOperators.IsEmpty or SegmentOperators.IsNotEmpty)
        {
            return condition;
        }

        if (op is SegmentOperators.WithinLastDays or SegmentOperators.MoreThanDaysAgo)
        {
            return condition with { Days = random.Next(0, 401) };
        }

        var many = op is SegmentOperators.In or SegmentOperators.NotIn;
        switch (field.Type)
        {
            case SegmentFieldType.Number when op == SegmentOperators.Between:
                var (low, high) = (NumberFor(field), NumberFor(field));
                return condition with { Number = Math.Min(low, high), Upper = Math.Max(low, high) };
            case SegmentFieldType.Number:
                return many
                    ? condition with { Numbers = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => NumberFor(field))] }
                    : condition with { Number = NumberFor(field) };
            case SegmentFieldType.Date when op == SegmentOperators.Between:
                var (from, to) = (DateFor(), DateFor());
                return condition with { Date = from < to ? from : to, UpperDate = from < to ? to : from };
            case SegmentFieldType.Date:
                return condition with { Date = DateFor() };
            case SegmentFieldType.Boolean:
                return condition with { Flag = random.Next(2) == 0 };
            case SegmentFieldType.Consent:
                return many
                    ? condition with { Texts = [.. Enumerable.Range(0, random.Next(1, 3)).Select(_ => Pick(SegmentFieldCatalog.ConsentValues))] }
                    : condition with { Text = Pick(SegmentFieldCatalog.ConsentValues) };
            default:
                return many
                    ? condition with { Texts = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => TextFor(field, whole: true))] }
                    : condition with { Text = TextFor(field, whole: op is SegmentOperators.Equal or SegmentOperators.NotEqual) };
        }
    }

    /// <summary>
    /// Mostly a value some customer has (or a piece of one), so conditions match about half the time. Never empty:
    /// the parser refuses an empty value (is_empty asks for that).
    /// </summary>
    private string TextFor(SegmentField field, bool whole)
    {
        var values = audience.TextsOf(field.Name).Where(v => v.Trim().Length > 0).ToList();
        var roll = random.Next(20);
        if (roll <= 1 || values.Count == 0)
        {
            return "zz";
        }

        var value = Pick(values);
        if (whole || value.Length < 2 || random.Next(3) == 0)
        {
            return value;
        }

        // The parser trims, so a piece such as " " means "" to every engine; the reference must read it so too.
        var start = random.Next(value.Length - 1);
        var piece = value.Substring(start, random.Next(1, value.Length - start + 1)).Trim();
        return piece.Length == 0 ? value.Trim() : piece;
    }

    private decimal NumberFor(SegmentField field)
    {
        var value = audience.NumberOf(field.Name);
        return random.Next(5) switch
        {
            0 => value + 0.5m,
            1 => value - 1,
            _ => value,
        };
    }

    private DateTimeOffset DateFor() => random.Next(4) == 0 ? audience.Midnight() : audience.Instant();

    private T Pick<T>(IReadOnlyList<T> values) => values[random.Next(values.Count)];

    /// <summary>The JSON of <paramref name="rule"/>: tree or flat form, aliases, mixed case, comma lists, numbers as text.</summary>
    public JsonNode Json(TestGroup rule) =>
        rule.OrJoins is not null && !rule.Not && random.Next(2) == 0 ? Items(rule) : GroupJson(rule);

    private JsonObject GroupJson(TestGroup group)
    {
        var json = new JsonObject();
        if (group.OrJoins is null)
        {
            json[random.Next(4) == 0 ? "condition" : "combinator"] = Spell(group.Or ? "or" : "and");
        }

        if (group.Not || random.Next(3) == 0)
        {
            json["not"] = group.Not;
        }

        json["rules"] = Items(group);
        return json;
    }

    private JsonArray Items(TestGroup group)
    {
        var items = new JsonArray();
        for (var i = 0; i < group.Rules.Count; i++)
        {
            var item = group.Rules[i] switch
            {
                TestGroup inner => GroupJson(inner),
                TestCondition condition => ConditionJson(condition),
                _ => throw new InvalidOperationException("Unknown test rule."),
            };
            if (group.OrJoins is { } joins && item is JsonObject obj && group.Rules[i] is TestCondition
                && (joins[i] || i < group.Rules.Count - 1 || random.Next(2) == 0))
            {
                obj["condition"] = Spell(joins[i] ? "OR" : "AND");
            }

            items.Add(item);
        }

        return items;
    }

    private JsonObject ConditionJson(TestCondition condition)
    {
        var json = new JsonObject
        {
            ["field"] = condition.Field.Name,
            ["operator"] = Operator(condition.Operator),
        };
        if (ValueJson(condition) is { } value)
        {
            json["value"] = value;
        }

        if (condition.WindowDays is { } days)
        {
            json["days"] = days;
        }

        return json;
    }

    private JsonNode? ValueJson(TestCondition c)
    {
        if (c.Days is { } days)
        {
            return random.Next(4) == 0 ? days.ToString(CultureInfo.InvariantCulture) : days;
        }

        if (c.Number is { } low && c.Upper is { } high)
        {
            return new JsonArray(Number(low), Number(high));
        }

        if (c.Date is { } from && c.UpperDate is { } to)
        {
            return new JsonArray(Date(from), Date(to));
        }

        if (c.Numbers is { } numbers)
        {
            return random.Next(4) == 0
                ? string.Join(", ", numbers.Select(n => n.ToString(CultureInfo.InvariantCulture)))
                : new JsonArray([.. numbers.Select(Number)]);
        }

        if (c.Texts is { } texts)
        {
            // A comma list drops empty entries, so only lists without "" may take that form.
            return random.Next(4) == 0 && texts.All(t => t.Length > 0)
                ? string.Join(",", texts.Select(Spell))
                : new JsonArray([.. texts.Select(t => (JsonNode?)Spell(t))]);
        }

        return c switch
        {
            { Number: { } n } => Number(n),
            { Date: { } d } => Date(d),
            { Flag: { } f } => random.Next(4) == 0 ? (f ? "True" : "false") : f,
            { Text: { } t } => Spell(t),
            _ => null,
        };
    }

    private JsonNode Number(decimal value) =>
        random.Next(5) == 0 ? value.ToString(CultureInfo.InvariantCulture) : JsonValue.Create(value);

    private JsonNode Date(DateTimeOffset value)
    {
        if (value.TimeOfDay == TimeSpan.Zero && random.Next(2) == 0)
        {
            return value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        return random.Next(3) == 0
            ? value.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private string Operator(string op)
    {
        var aliases = SegmentOperators.Aliases.Where(a => a.Value == op).Select(a => a.Key).ToList();
        return aliases.Count > 0 && random.Next(3) == 0 ? aliases[random.Next(aliases.Count)] : op;
    }

    /// <summary>The parser lower-cases and trims text, so a client may send any case and spacing.</summary>
    private string Spell(string text) => random.Next(4) switch
    {
        0 => text.ToUpperInvariant(),
        1 => " " + text + " ",
        _ => text,
    };
}
