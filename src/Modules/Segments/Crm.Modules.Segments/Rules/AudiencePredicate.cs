using System.Linq.Expressions;
using System.Reflection;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Rules;

/// <summary>
/// Rules as a predicate over <see cref="AudienceProfile"/> documents in the document port's LINQ subset, so the store
/// (SQLite or MongoDB) can answer a rule where the in-memory index is not loaded. The tree is built by hand: a lambda
/// written in C# could not vary its fields, and C# 14 would bind <c>array.Contains</c> to the span overload the
/// subset refuses. Every operator means what <see cref="AudiencePlan"/> makes it mean; order-window fields need the
/// orders collection, which one predicate cannot read, so they are refused.
/// </summary>
internal static class AudiencePredicate
{
    private static readonly MethodInfo ContainsText = new Func<IEnumerable<string>, string, bool>(Enumerable.Contains).Method;
    private static readonly MethodInfo ListItem = typeof(List<string>).GetProperty("Item")!.GetMethod!;
    private static readonly MethodInfo AttributeItem = typeof(Dictionary<string, AudienceAttribute>).GetProperty("Item")!.GetMethod!;

    private static readonly Dictionary<string, string> Members = new(StringComparer.Ordinal)
    {
        [SegmentFieldCatalog.Email] = nameof(AudienceProfile.Email),
        [SegmentFieldCatalog.EmailDomain] = nameof(AudienceProfile.EmailDomain),
        [SegmentFieldCatalog.Name] = nameof(AudienceProfile.NameKey),
        [SegmentFieldCatalog.Phone] = nameof(AudienceProfile.Phone),
        [SegmentFieldCatalog.TimeZone] = nameof(AudienceProfile.TimeZone),
        [SegmentFieldCatalog.City] = nameof(AudienceProfile.City),
        [SegmentFieldCatalog.Country] = nameof(AudienceProfile.Country),
        [SegmentFieldCatalog.Gender] = nameof(AudienceProfile.Gender),
        [SegmentFieldCatalog.Age] = nameof(AudienceProfile.Age),
        [SegmentFieldCatalog.BirthDate] = nameof(AudienceProfile.BirthDate),
        [SegmentFieldCatalog.Tags] = nameof(AudienceProfile.Tags),
        [SegmentFieldCatalog.Preferences] = nameof(AudienceProfile.Preferences),
        [SegmentFieldCatalog.EmailConsent] = nameof(AudienceProfile.EmailConsent),
        [SegmentFieldCatalog.SmsConsent] = nameof(AudienceProfile.SmsConsent),
        [SegmentFieldCatalog.PushConsent] = nameof(AudienceProfile.PushConsent),
        [SegmentFieldCatalog.CreatedAt] = nameof(AudienceProfile.CreatedAt),
        [SegmentFieldCatalog.TotalSpent] = nameof(AudienceProfile.TotalSpent),
        [SegmentFieldCatalog.OrderCount] = nameof(AudienceProfile.OrderCount),
        [SegmentFieldCatalog.VisitCount] = nameof(AudienceProfile.VisitCount),
        [SegmentFieldCatalog.LastOrderAt] = nameof(AudienceProfile.LastOrderAt),
        [SegmentFieldCatalog.DaysSinceLastOrder] = nameof(AudienceProfile.LastOrderAt),
        [SegmentFieldCatalog.LastVisit] = nameof(AudienceProfile.LastVisit),
        [SegmentFieldCatalog.EngagementScore] = nameof(AudienceProfile.EngagementScore),
        [SegmentFieldCatalog.ChurnRisk] = nameof(AudienceProfile.ChurnRisk),
    };

    private static readonly Expression True = Expression.Constant(true);
    private static readonly Expression False = Expression.Constant(false);

    /// <summary>False when the rules use an order-window field, which only the in-memory index can answer.</summary>
    public static bool CanRender(RuleGroup rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return !RuleJson.UsesOrderWindows(rules);
    }

    /// <summary>The rules as a predicate, relative dates resolved against <paramref name="now"/>.</summary>
    public static Expression<Func<AudienceProfile, bool>> Render(RuleGroup rules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var profile = Expression.Parameter(typeof(AudienceProfile), "x");
        return Expression.Lambda<Func<AudienceProfile, bool>>(Node(rules, profile, now), profile);
    }

    private static Expression Node(RuleNode node, ParameterExpression profile, DateTimeOffset now) => node switch
    {
        RuleGroup group => Group(group, profile, now),
        RuleCondition condition => Condition(condition, profile, now),
        _ => throw new InvalidOperationException("Unknown rule node."),
    };

    private static Expression Group(RuleGroup group, ParameterExpression profile, DateTimeOffset now)
    {
        var and = group.Combinator == Combinator.And;
        var result = and ? True : False;
        foreach (var rule in group.Rules)
        {
            var part = Node(rule, profile, now);
            result = and ? And(result, part) : Or(result, part);
        }

        return group.Not ? Not(result) : result;
    }

    private static Expression Condition(RuleCondition condition, ParameterExpression profile, DateTimeOffset now)
    {
        if (condition.Field.WindowDays)
        {
            throw new NotSupportedException(
                $"The field {condition.Field.Name} counts orders in a window, which a predicate over audience profiles cannot read; evaluate it with the audience index.");
        }

        // As in the index, a negative operator is exactly NOT its positive form, so it matches a missing value.
        var negative = RuleBounds.PositiveOf(condition.Operator);
        var positive = Positive(condition, negative ?? condition.Operator, Member(condition, profile), now);
        return negative is null ? positive : Not(positive);
    }

    private static Expression Member(RuleCondition condition, ParameterExpression profile)
    {
        if (condition.AttributeKey is not { } key)
        {
            return Members.TryGetValue(condition.Field.Name, out var name)
                ? Expression.Property(profile, name)
                : throw new InvalidOperationException($"No profile member for field {condition.Field.Name}.");
        }

        var attribute = Expression.Call(Expression.Property(profile, nameof(AudienceProfile.Attributes)), AttributeItem, Expression.Constant(key));
        return Expression.Property(attribute, condition.Field.Type switch
        {
            SegmentFieldType.Number => nameof(AudienceAttribute.Number),
            SegmentFieldType.Date => nameof(AudienceAttribute.Date),
            SegmentFieldType.Boolean => nameof(AudienceAttribute.Flag),
            _ => nameof(AudienceAttribute.Text),
        });
    }

    private static Expression Positive(RuleCondition condition, string op, Expression member, DateTimeOffset now)
    {
        if (condition.Field.Name == SegmentFieldCatalog.DaysSinceLastOrder)
        {
            return op == SegmentOperators.IsEmpty ? IsNull(member) : DaysSince(condition, member, now);
        }

        return condition.Field.Type switch
        {
            SegmentFieldType.Number => op == SegmentOperators.IsEmpty ? IsNull(member) : Any(RuleBounds.Numbers(condition), r => Range(member, r)),
            SegmentFieldType.Date => op == SegmentOperators.IsEmpty ? IsNull(member) : Instants(condition, member, now),
            SegmentFieldType.Boolean => op == SegmentOperators.IsEmpty
                ? IsNull(member)
                : Compare(member, ExpressionType.Equal, condition.Value.Flag!.Value),
            SegmentFieldType.Consent => Consent(condition, member),
            SegmentFieldType.List => List(condition, op, member),
            _ => Text(condition, op, member),
        };
    }

    private static Expression Text(RuleCondition condition, string op, Expression member)
    {
        var value = condition.Value;
        return op switch
        {
            SegmentOperators.IsEmpty => Or(IsNull(member), Expression.Equal(member, Expression.Constant(""))),
            SegmentOperators.Equal => Expression.Equal(member, Expression.Constant(value.Text)),
            SegmentOperators.In => Expression.Call(ContainsText, Expression.Constant(value.Texts!.ToArray()), member),
            SegmentOperators.Contains or SegmentOperators.StartsWith or SegmentOperators.EndsWith => Expression.Call(
                member,
                typeof(string).GetMethod(op switch
                {
                    SegmentOperators.Contains => nameof(string.Contains),
                    SegmentOperators.StartsWith => nameof(string.StartsWith),
                    _ => nameof(string.EndsWith),
                }, [typeof(string)])!,
                Expression.Constant(value.Text)),
            _ => throw new InvalidOperationException($"{op} is not a text operator."),
        };
    }

    /// <summary>"unknown" is a customer who never said either way: no consent stored.</summary>
    private static Expression Consent(RuleCondition condition, Expression member)
    {
        var values = condition.Value.Texts ?? [condition.Value.Text!];
        var known = values.Where(v => v != "unknown").Distinct(StringComparer.Ordinal).ToArray();
        var result = known.Length == 0 ? False : Expression.Call(ContainsText, Expression.Constant(known), member);
        return values.Contains("unknown", StringComparer.Ordinal) ? Or(IsNull(member), result) : result;
    }

    private static Expression List(RuleCondition condition, string op, Expression member) => op switch
    {
        // A list without a first element is empty; the subset has no Count.
        SegmentOperators.IsEmpty => IsNull(Expression.Call(member, ListItem, Expression.Constant(0))),
        SegmentOperators.In => Any(condition.Value.Texts!.Distinct(StringComparer.Ordinal).ToList(), v => Holds(member, v)),
        _ => Holds(member, condition.Value.Text!),
    };

    private static Expression Holds(Expression list, string value) =>
        Expression.Call(ContainsText, list, Expression.Constant(value));

    /// <summary>A number range against the member in its own type: whole bounds for ints, doubles for doubles.</summary>
    private static Expression Range(Expression member, NumberRange range)
    {
        var type = Nullable.GetUnderlyingType(member.Type) ?? member.Type;
        if (type == typeof(int))
        {
            if (range.Whole(int.MinValue, int.MaxValue) is not { } whole)
            {
                return False;
            }

            return And(
                range.Low is null ? True : Compare(member, ExpressionType.GreaterThanOrEqual, (int)whole.Low),
                range.High is null ? True : Compare(member, ExpressionType.LessThanOrEqual, (int)whole.High));
        }

        object Bound(decimal value) => type == typeof(double) ? (double)value : value;
        return And(
            range.Low is { } low
                ? Compare(member, range.LowInclusive ? ExpressionType.GreaterThanOrEqual : ExpressionType.GreaterThan, Bound(low))
                : True,
            range.High is { } high
                ? Compare(member, range.HighInclusive ? ExpressionType.LessThanOrEqual : ExpressionType.LessThan, Bound(high))
                : True);
    }

    /// <summary>
    /// Before, after and more-than-days-ago are written as strict comparisons against their own instant rather than
    /// RuleBounds' inclusive bound one tick inside it: MongoDB keeps milliseconds, so the tick would be lost there.
    /// </summary>
    private static Expression Instants(RuleCondition condition, Expression member, DateTimeOffset now)
    {
        var value = condition.Value;
        switch (condition.Operator)
        {
            case SegmentOperators.Before:
                return Compare(member, ExpressionType.LessThan, value.Date!.Value);
            case SegmentOperators.After:
                return Compare(member, ExpressionType.GreaterThan, value.Date!.Value);
            case SegmentOperators.MoreThanDaysAgo:
                return Compare(member, ExpressionType.LessThan, RuleBounds.DaysBefore(now, value.Days!.Value));
        }

        var range = RuleBounds.Instants(condition, now);
        return And(
            range.From is { } from ? Compare(member, ExpressionType.GreaterThanOrEqual, from) : True,
            range.To is { } to ? Compare(member, ExpressionType.LessThanOrEqual, to) : True);
    }

    /// <summary>Days since the last order, as last-order instants; DaysSince's From is one tick above its exclusive bound.</summary>
    private static Expression DaysSince(RuleCondition condition, Expression lastOrderAt, DateTimeOffset now) =>
        Any(RuleBounds.Numbers(condition), range => RuleBounds.DaysSince(range, now) is not { } instants
            ? False
            : And(
                instants.From is { } from ? Compare(lastOrderAt, ExpressionType.GreaterThan, from.AddTicks(-1)) : True,
                instants.To is { } to ? Compare(lastOrderAt, ExpressionType.LessThanOrEqual, to) : True));

    /// <summary>The member against a constant of its own type, lifted for a nullable member as C# compiles <c>x.Age &gt; 3</c>.</summary>
    private static BinaryExpression Compare(Expression member, ExpressionType op, object value)
    {
        Expression constant = Expression.Constant(value);
        if (constant.Type != member.Type)
        {
            constant = Expression.Convert(constant, member.Type);
        }

        return Expression.MakeBinary(op, member, constant);
    }

    /// <summary>A member of a non-nullable value type (total spent, order count, created at) is never empty.</summary>
    private static Expression IsNull(Expression member) =>
        member.Type.IsValueType && Nullable.GetUnderlyingType(member.Type) is null
            ? False
            : Expression.Equal(member, Expression.Constant(null, member.Type));

    private static Expression Any<T>(IEnumerable<T> parts, Func<T, Expression> render) =>
        parts.Aggregate(False, (result, part) => Or(result, render(part)));

    // Constant parts are folded away, so the store sees only conditions on fields.
    private static Expression And(Expression left, Expression right) =>
        left == False || right == False ? False : left == True ? right : right == True ? left : Expression.AndAlso(left, right);

    private static Expression Or(Expression left, Expression right) =>
        left == True || right == True ? True : left == False ? right : right == False ? left : Expression.OrElse(left, right);

    private static Expression Not(Expression operand) =>
        operand == True ? False : operand == False ? True : Expression.Not(operand);
}
