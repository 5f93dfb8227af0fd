using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Rules;

/// <summary>
/// A segment's rules as MongoDB runs them over <see cref="Collection"/>: <see cref="Filter"/> for a find, and
/// <see cref="Pipeline"/> for an aggregation whose <c>$match</c> stage holds the same filter. Values are MongoDB
/// Extended JSON (<c>$date</c>, <c>$numberDecimal</c>), so any MongoDB tool reads them as typed values.
/// </summary>
internal sealed record MongoRendering(string Collection, JsonObject Filter, JsonArray Pipeline);

/// <summary>
/// Renders rules as the MongoDB query a segment preview shows, meaning exactly what <see cref="AudiencePlan"/> means
/// over the documents <see cref="AudienceProfile"/> stores (camelCase names, decimals as Decimal128, instants as UTC
/// dates, null members left out). Built from JSON nodes because the module must not reference the driver.
/// </summary>
internal static class MongoQuery
{
    private const string Lookup = "_orders";

    private static readonly long MaxRelaxedDate = new DateTimeOffset(9999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static MongoRendering Render(RuleGroup rules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var context = new Context(now);
        var filter = Node(rules, context);
        var pipeline = new JsonArray();
        if (context.Windows.Count > 0)
        {
            pipeline.Add(context.LookupStage());
            pipeline.Add(context.AddFieldsStage());
        }

        pipeline.Add(new JsonObject { ["$match"] = filter.DeepClone() });
        if (context.Windows.Count > 0)
        {
            // The preview reads audience documents; the helper fields (and every order they came from) stay behind.
            pipeline.Add(context.UnsetStage());
        }

        return new MongoRendering(AudienceProfile.Collection, filter, pipeline);
    }

    private static JsonObject Node(RuleNode node, Context context) => node switch
    {
        RuleGroup group => Group(group, context),
        RuleCondition condition => Condition(condition, context),
        _ => throw new InvalidOperationException("Unknown rule node."),
    };

    private static JsonObject Group(RuleGroup group, Context context)
    {
        var parts = group.Rules.Select(rule => Node(rule, context)).ToList();
        var joined = group.Combinator == Combinator.And ? All(parts) : Any(parts);
        return group.Not ? Nor(joined) : joined;
    }

    /// <summary>
    /// A negative operator is NOT of its positive form, so a document without the value matches it (as in the index);
    /// a plain <c>$ne</c> or <c>$nin</c> would say the same only for some types, <c>$nor</c> says it for all.
    /// </summary>
    private static JsonObject Condition(RuleCondition condition, Context context)
    {
        var positive = RuleBounds.PositiveOf(condition.Operator);
        var filter = Positive(condition, positive ?? condition.Operator, context);
        return positive is null ? filter : Nor(filter);
    }

    private static JsonObject Positive(RuleCondition condition, string op, Context context)
    {
        if (condition.AttributeKey is { } key)
        {
            return Attribute(condition, key, op, context);
        }

        return condition.Field.Name switch
        {
            SegmentFieldCatalog.Email => Text("email", condition, op),
            SegmentFieldCatalog.Name => Text("nameKey", condition, op),
            SegmentFieldCatalog.Phone => Text("phone", condition, op),
            SegmentFieldCatalog.EmailDomain => Text("emailDomain", condition, op),
            SegmentFieldCatalog.TimeZone => Text("timeZone", condition, op),
            SegmentFieldCatalog.City => Text("city", condition, op),
            SegmentFieldCatalog.Country => Text("country", condition, op),
            SegmentFieldCatalog.Gender => Text("gender", condition, op),
            SegmentFieldCatalog.Age => Numbers("age", NumberKind.Integer, condition, op),
            SegmentFieldCatalog.BirthDate => Dates("birthDate", condition, op, context.Now),
            SegmentFieldCatalog.Tags => List("tags", condition, op),
            SegmentFieldCatalog.Preferences => List("preferences", condition, op),
            SegmentFieldCatalog.EmailConsent => Consent("emailConsent", condition),
            SegmentFieldCatalog.SmsConsent => Consent("smsConsent", condition),
            SegmentFieldCatalog.PushConsent => Consent("pushConsent", condition),
            SegmentFieldCatalog.CreatedAt => Dates("createdAt", condition, op, context.Now),
            SegmentFieldCatalog.TotalSpent => Numbers("totalSpent", NumberKind.Decimal, condition, op),
            SegmentFieldCatalog.OrderCount => Numbers("orderCount", NumberKind.Integer, condition, op),
            SegmentFieldCatalog.VisitCount => Numbers("visitCount", NumberKind.Integer, condition, op),
            SegmentFieldCatalog.LastOrderAt => Dates("lastOrderAt", condition, op, context.Now),
            SegmentFieldCatalog.LastVisit => Dates("lastVisit", condition, op, context.Now),
            SegmentFieldCatalog.DaysSinceLastOrder => DaysSinceLastOrder(condition, op, context.Now),
            SegmentFieldCatalog.EngagementScore => Numbers("engagementScore", NumberKind.Double, condition, op),
            SegmentFieldCatalog.ChurnRisk => Numbers("churnRisk", NumberKind.Double, condition, op),
            SegmentFieldCatalog.OrdersInLastDays => Numbers(context.Window(condition, spend: false), NumberKind.Integer, condition, op),
            SegmentFieldCatalog.SpendInLastDays => Numbers(context.Window(condition, spend: true), NumberKind.Decimal, condition, op),
            _ => throw new InvalidOperationException($"No MongoDB member for field {condition.Field.Name}."),
        };
    }

    private static JsonObject Attribute(RuleCondition condition, string key, string op, Context context)
    {
        // Stored keys are letters, digits and '_'; a key that could not be stored (a dot would read as a deeper path)
        // names no customer's attribute, so its positive form matches nobody, as in the index.
        if (key.Length == 0 || key[0] == '$' || key.Contains('.', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal))
        {
            return Nothing();
        }

        var path = SegmentFieldCatalog.AttributePrefix + key + ".";
        return condition.Field.Type switch
        {
            SegmentFieldType.Number => Numbers(path + "number", NumberKind.Decimal, condition, op),
            SegmentFieldType.Date => Dates(path + "date", condition, op, context.Now),
            SegmentFieldType.Boolean => Flag(path + "flag", condition, op),
            _ => Text(path + "text", condition, op),
        };
    }

    private static JsonObject Text(string path, RuleCondition condition, string op)
    {
        var v = condition.Value;
        return op switch
        {
            SegmentOperators.IsEmpty => Field(path, new JsonObject { ["$in"] = new JsonArray(null, "") }),
            SegmentOperators.Equal => Field(path, v.Text),
            SegmentOperators.In => OneOf(path, v.Texts!.Distinct(StringComparer.Ordinal).Select(t => (JsonNode?)t).ToList()),
            SegmentOperators.Contains => Regex(path, Escape(v.Text!)),
            SegmentOperators.StartsWith => Regex(path, "^" + Escape(v.Text!)),

            // Stored text is trimmed, so "$" (which also allows one final newline) ends where the text ends.
            SegmentOperators.EndsWith => Regex(path, Escape(v.Text!) + "$"),
            _ => throw new InvalidOperationException($"{op} is not a text operator."),
        };
    }

    private static JsonObject List(string path, RuleCondition condition, string op) => op switch
    {
        // A list with no element: missing, null or [] (documents store an empty list as []).
        SegmentOperators.IsEmpty => Field(path, new JsonObject { ["$in"] = new JsonArray(null, new JsonArray()) }),

        // An equality on an array field holds when any element is equal.
        SegmentOperators.Contains => Field(path, condition.Value.Text),
        SegmentOperators.In => OneOf(path, condition.Value.Texts!.Distinct(StringComparer.Ordinal).Select(t => (JsonNode?)t).ToList()),
        _ => throw new InvalidOperationException($"{op} is not a list operator."),
    };

    /// <summary>"unknown" is the absence of a consent: the one positive that matches a missing member.</summary>
    private static JsonObject Consent(string path, RuleCondition condition)
    {
        var values = (condition.Value.Texts ?? [condition.Value.Text!])
            .Distinct(StringComparer.Ordinal)
            .Select(v => v == "unknown" ? null : (JsonNode?)v)
            .ToList();
        return OneOf(path, values);
    }

    private static JsonObject Flag(string path, RuleCondition condition, string op) =>
        op == SegmentOperators.IsEmpty ? Field(path, null) : Field(path, condition.Value.Flag!.Value);

    private static JsonObject Numbers(string path, NumberKind kind, RuleCondition condition, string op)
    {
        if (op == SegmentOperators.IsEmpty)
        {
            return Field(path, null);
        }

        var ranges = RuleBounds.Numbers(condition)
            .Select(range => kind == NumberKind.Integer ? Whole(range) : range)
            .OfType<NumberRange>()
            .ToList();
        if (ranges.Count > 1 && ranges.All(IsExact))
        {
            return OneOf(path, ranges.Select(r => Number(r.Low!.Value, kind)).ToList());
        }

        return Any(ranges.Select(range => Field(path, Range(range, kind))).ToList());
    }

    private static JsonObject Range(NumberRange range, NumberKind kind)
    {
        if (IsExact(range))
        {
            return new JsonObject { ["$eq"] = Number(range.Low!.Value, kind) };
        }

        var bounds = new JsonObject();
        if (range.Low is { } low)
        {
            bounds[range.LowInclusive ? "$gte" : "$gt"] = Number(low, kind);
        }

        if (range.High is { } high)
        {
            bounds[range.HighInclusive ? "$lte" : "$lt"] = Number(high, kind);
        }

        // Both bounds fell outside what the member can hold: every number matches, and a missing value still does not.
        if (bounds.Count == 0)
        {
            bounds["$type"] = "number";
        }

        return bounds;
    }

    private static bool IsExact(NumberRange range) =>
        range is { Low: { } low, High: { } high, LowInclusive: true, HighInclusive: true } && low == high;

    /// <summary>
    /// An integer member's range with fractional bounds moved to the whole numbers inside (&gt; 30.5 is &gt;= 31), as the
    /// index does, so a bound no double can hold exactly still means what it says; bounds beyond an int are dropped.
    /// Null when no whole number is in the range.
    /// </summary>
    private static NumberRange? Whole(NumberRange range)
    {
        var (low, lowInclusive, high, highInclusive) = range;
        if (low is { } l && l != decimal.Truncate(l))
        {
            (low, lowInclusive) = (Math.Ceiling(l), true);
        }

        if (high is { } h && h != decimal.Truncate(h))
        {
            (high, highInclusive) = (Math.Floor(h), true);
        }

        if (low > int.MaxValue || high < int.MinValue)
        {
            return null;
        }

        low = low < int.MinValue ? null : low;
        high = high > int.MaxValue ? null : high;
        if (low is { } from && high is { } to && (from > to || (from == to && !(lowInclusive && highInclusive))))
        {
            return null;
        }

        return new NumberRange(low, lowInclusive, high, highInclusive);
    }

    private static JsonNode Number(decimal value, NumberKind kind) => kind switch
    {
        NumberKind.Decimal => new JsonObject { ["$numberDecimal"] = value.ToString(CultureInfo.InvariantCulture) },
        NumberKind.Integer => JsonValue.Create((int)value),

        // The index compares doubles as doubles of the rule's decimal; MongoDB then compares the same two doubles.
        _ => JsonValue.Create((double)value),
    };

    private static JsonObject Dates(string path, RuleCondition condition, string op, DateTimeOffset now) =>
        op == SegmentOperators.IsEmpty ? Field(path, null) : Instants(path, RuleBounds.Instants(condition, now));

    private static JsonObject Instants(string path, InstantRange range)
    {
        long? from = range.From is { } f ? CeilingMilliseconds(f) : null;
        long? to = range.To is { } t ? FloorMilliseconds(t) : null;
        if (from > to)
        {
            return Nothing();
        }

        var bounds = new JsonObject();
        if (from is { } low)
        {
            bounds["$gte"] = Date(low);
        }

        if (to is { } high)
        {
            bounds["$lte"] = Date(high);
        }

        if (bounds.Count == 0)
        {
            bounds["$type"] = "date";
        }

        return Field(path, bounds);
    }

    private static JsonObject DaysSinceLastOrder(RuleCondition condition, string op, DateTimeOffset now)
    {
        if (op == SegmentOperators.IsEmpty)
        {
            return Field("lastOrderAt", null);
        }

        return Any(RuleBounds.Numbers(condition)
            .Select(range => RuleBounds.DaysSince(range, now) is { } instants ? Instants("lastOrderAt", instants) : Nothing())
            .ToList());
    }

    /// <summary>Relaxed Extended JSON: an ISO string where it allows one (years 1970 to 9999), milliseconds otherwise.</summary>
    private static JsonObject Date(long unixMilliseconds)
    {
        if (unixMilliseconds < 0 || unixMilliseconds > MaxRelaxedDate)
        {
            return new JsonObject
            {
                ["$date"] = new JsonObject { ["$numberLong"] = unixMilliseconds.ToString(CultureInfo.InvariantCulture) },
            };
        }

        var instant = DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
        var format = instant.Millisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
        return new JsonObject { ["$date"] = instant.ToString(format, CultureInfo.InvariantCulture) };
    }

    // Stored instants have millisecond precision, so rounding a closed range's bounds inwards to whole milliseconds
    // keeps exactly the stored values that the tick-precise range keeps.
    private static long FloorMilliseconds(DateTimeOffset instant) =>
        (long)Math.Floor((instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (decimal)TimeSpan.TicksPerMillisecond);

    private static long CeilingMilliseconds(DateTimeOffset instant) =>
        (long)Math.Ceiling((instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (decimal)TimeSpan.TicksPerMillisecond);

    /// <summary>The literal as a regular expression: every metacharacter backslashed, control characters as \x escapes (a BSON pattern holds no NUL).</summary>
    private static string Escape(string literal)
    {
        var pattern = new StringBuilder(literal.Length + 8);
        foreach (var c in literal)
        {
            if (c < ' ')
            {
                pattern.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                if (@"\^$.|?*+()[]{}".Contains(c, StringComparison.Ordinal))
                {
                    pattern.Append('\\');
                }

                pattern.Append(c);
            }
        }

        return pattern.ToString();
    }

    private static JsonObject Regex(string path, string pattern) => Field(path, new JsonObject { ["$regex"] = pattern });

    private static JsonObject Field(string path, JsonNode? value) => new() { [path] = value };

    /// <summary>Equal to one of <paramref name="values"/>; a null among them also matches a missing member.</summary>
    private static JsonObject OneOf(string path, IReadOnlyList<JsonNode?> values) => values.Count == 1
        ? Field(path, values[0])
        : Field(path, new JsonObject { ["$in"] = new JsonArray([.. values]) });

    private static JsonObject All(IReadOnlyList<JsonObject> parts) => parts.Count switch
    {
        0 => new JsonObject(),
        1 => parts[0],
        _ => new JsonObject { ["$and"] = new JsonArray([.. parts]) },
    };

    private static JsonObject Any(IReadOnlyList<JsonObject> parts)
    {
        var live = parts.Where(p => !IsNothing(p)).ToList();
        return live.Count switch
        {
            0 => Nothing(),
            1 => live[0],
            _ => new JsonObject { ["$or"] = new JsonArray([.. live]) },
        };
    }

    private static JsonObject Nor(JsonObject filter) => new() { ["$nor"] = new JsonArray(filter) };

    /// <summary>A filter no document passes, for a condition no value can meet.</summary>
    private static JsonObject Nothing() => new() { ["$expr"] = false };

    private static bool IsNothing(JsonObject filter) =>
        filter.Count == 1 && filter["$expr"] is JsonValue value && value.TryGetValue<bool>(out var holds) && !holds;

    private enum NumberKind
    {
        /// <summary>An int member (or an order count): plain whole numbers.</summary>
        Integer,

        /// <summary>A double member: plain numbers.</summary>
        Double,

        /// <summary>A decimal member, stored as Decimal128: <c>$numberDecimal</c>.</summary>
        Decimal,
    }

    /// <summary>What a rendering collects on the way: the order windows its conditions compare.</summary>
    private sealed class Context(DateTimeOffset now)
    {
        public DateTimeOffset Now { get; } = now;

        /// <summary>Per window (days), whether a count and whether a sum of its orders is compared.</summary>
        public SortedDictionary<int, (bool Count, bool Spend)> Windows { get; } = [];

        public string Window(RuleCondition condition, bool spend)
        {
            var days = condition.WindowDays!.Value;
            var (count, sum) = Windows.GetValueOrDefault(days);
            Windows[days] = spend ? (count, true) : (true, sum);
            return Name(days, spend);
        }

        /// <summary>
        /// Joins each customer's counted orders since the longest window's start (the index counts placed and paid
        /// orders only); localField/foreignField beside a pipeline needs MongoDB 5.0.
        /// </summary>
        public JsonObject LookupStage() => new()
        {
            ["$lookup"] = new JsonObject
            {
                ["from"] = AudienceOrder.Collection,
                ["localField"] = "_id",
                ["foreignField"] = "customerId",
                ["pipeline"] = new JsonArray(
                    new JsonObject
                    {
                        ["$match"] = new JsonObject
                        {
                            ["counted"] = true,
                            ["orderedAt"] = new JsonObject { ["$gte"] = Date(Start(Windows.Keys.Max())) },
                        },
                    },
                    new JsonObject { ["$project"] = new JsonObject { ["_id"] = 0, ["orderedAt"] = 1, ["amount"] = 1 } }),
                ["as"] = Lookup,
            },
        };

        public JsonObject AddFieldsStage()
        {
            var longest = Windows.Keys.Max();
            var fields = new JsonObject();
            foreach (var (days, (count, spend)) in Windows)
            {
                // The longest window is the whole lookup; a shorter one keeps the orders since its own start.
                JsonNode Orders() => days == longest
                    ? "$" + Lookup
                    : new JsonObject
                    {
                        ["$filter"] = new JsonObject
                        {
                            ["input"] = "$" + Lookup,
                            ["as"] = "o",
                            ["cond"] = new JsonObject { ["$gte"] = new JsonArray("$$o.orderedAt", Date(Start(days))) },
                        },
                    };

                if (count)
                {
                    fields[Name(days, spend: false)] = new JsonObject { ["$size"] = Orders() };
                }

                if (spend)
                {
                    // $sum over an array adds its elements (Decimal128 amounts stay exact); no orders sum to 0.
                    fields[Name(days, spend: true)] = new JsonObject
                    {
                        ["$sum"] = days == longest
                            ? "$" + Lookup + ".amount"
                            : new JsonObject { ["$map"] = new JsonObject { ["input"] = Orders(), ["as"] = "o", ["in"] = "$$o.amount" } },
                    };
                }
            }

            return new JsonObject { ["$addFields"] = fields };
        }

        public JsonObject UnsetStage()
        {
            var names = new JsonArray(Lookup);
            foreach (var (days, (count, spend)) in Windows)
            {
                if (count)
                {
                    names.Add(Name(days, spend: false));
                }

                if (spend)
                {
                    names.Add(Name(days, spend: true));
                }
            }

            return new JsonObject { ["$unset"] = names };
        }

        private long Start(int days) => CeilingMilliseconds(RuleBounds.DaysBefore(Now, days));

        private static string Name(int days, bool spend) =>
            string.Create(CultureInfo.InvariantCulture, $"{(spend ? "_spend_" : "_orders_")}{days}d");
    }
}
