using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Rules;

internal enum Combinator
{
    And,
    Or,
}

/// <summary>A validated rule: a group of rules or one condition. Built only by <see cref="RuleParser"/>.</summary>
internal abstract record RuleNode;

internal sealed record RuleGroup(Combinator Combinator, bool Not, IReadOnlyList<RuleNode> Rules) : RuleNode
{
    public static RuleGroup MatchAll { get; } = new(Combinator.And, false, []);
}

/// <summary>
/// One condition with its value already typed for its field: text values are lower case (every engine compares text
/// case-insensitively), numbers are decimals, dates are UTC instants, relative operators carry <see cref="ConditionValue.Days"/>.
/// </summary>
internal sealed record RuleCondition(SegmentField Field, string Operator, ConditionValue Value, int? WindowDays) : RuleNode
{
    /// <summary>The custom attribute's key for <c>attributes.&lt;key&gt;</c> fields; null for built-in fields.</summary>
    public string? AttributeKey => Field.Name.StartsWith(SegmentFieldCatalog.AttributePrefix, StringComparison.Ordinal)
        ? Field.Name[SegmentFieldCatalog.AttributePrefix.Length..]
        : null;
}

internal sealed record ConditionValue
{
    public static ConditionValue None { get; } = new();

    public decimal? Number { get; init; }

    public decimal? Upper { get; init; }

    public IReadOnlyList<decimal>? Numbers { get; init; }

    public string? Text { get; init; }

    public IReadOnlyList<string>? Texts { get; init; }

    public DateTimeOffset? Date { get; init; }

    public DateTimeOffset? UpperDate { get; init; }

    public int? Days { get; init; }

    public bool? Flag { get; init; }
}
