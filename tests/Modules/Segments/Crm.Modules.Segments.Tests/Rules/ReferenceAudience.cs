using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Tests.Rules;

/// <summary>
/// What a rule means, written straight from its definition, one customer at a time, with none of the engines'
/// code: negative operators are NOT their positive form, positive ones never match a missing value, days are 24
/// hours, days since the last order are the whole days elapsed.
/// </summary>
internal sealed class ReferenceAudience(IReadOnlyList<AudienceOrder> orders, DateTimeOffset now)
{
    private readonly ILookup<string?, AudienceOrder> _orders = orders.ToLookup(o => o.CustomerId, StringComparer.Ordinal);

    public bool Matches(TestRule rule, AudienceProfile customer) => rule switch
    {
        TestGroup group => group.Not != Group(group, customer),
        TestCondition condition => Condition(condition, customer),
        _ => throw new InvalidOperationException("Unknown test rule."),
    };

    private bool Group(TestGroup group, AudienceProfile customer)
    {
        if (group.OrJoins is not { } joins)
        {
            return group.Or ? group.Rules.Any(r => Matches(r, customer)) : group.Rules.All(r => Matches(r, customer));
        }

        // AND binds tighter: the items between two ORs must all match, and one such run is enough.
        var run = true;
        for (var i = 0; i < group.Rules.Count; i++)
        {
            run &= Matches(group.Rules[i], customer);
            var last = i == group.Rules.Count - 1;
            if (last || joins[i])
            {
                if (run)
                {
                    return true;
                }

                run = true;
            }
        }

        return false;
    }

    private bool Condition(TestCondition c, AudienceProfile customer) => c.Operator switch
    {
        SegmentOperators.NotEqual => !Positive(c with { Operator = SegmentOperators.Equal }, customer),
        SegmentOperators.NotIn => !Positive(c with { Operator = SegmentOperators.In }, customer),
        SegmentOperators.NotContains => !Positive(c with { Operator = SegmentOperators.Contains }, customer),
        SegmentOperators.IsNotEmpty => !Positive(c with { Operator = SegmentOperators.IsEmpty }, customer),
        _ => Positive(c, customer),
    };

    private bool Positive(TestCondition c, AudienceProfile customer)
    {
        var field = c.Field.Name;
        if (field is SegmentFieldCatalog.OrdersInLastDays or SegmentFieldCatalog.SpendInLastDays)
        {
            if (c.Operator == SegmentOperators.IsEmpty)
            {
                return false;
            }

            var window = _orders[customer.Id].Where(o => o.Counted && o.OrderedAt >= now.AddDays(-c.WindowDays!.Value)).ToList();
            return Number(c, field == SegmentFieldCatalog.OrdersInLastDays ? window.Count : window.Sum(o => o.Amount));
        }

        if (field == SegmentFieldCatalog.DaysSinceLastOrder)
        {
            var last = customer.LastOrderAt;
            return c.Operator == SegmentOperators.IsEmpty
                ? last is null
                : last is { } at && Number(c, (decimal)Math.Floor((now - at).TotalDays));
        }

        var attribute = field.StartsWith(SegmentFieldCatalog.AttributePrefix, StringComparison.Ordinal)
            ? customer.Attributes.GetValueOrDefault(field[SegmentFieldCatalog.AttributePrefix.Length..])
            : null;
        switch (c.Field.Type)
        {
            case SegmentFieldType.Number:
                var number = attribute?.Number ?? NumberOf(field, customer);
                return c.Operator == SegmentOperators.IsEmpty ? number is null : number is { } n && Number(c, n);
            case SegmentFieldType.Date:
                var date = attribute?.Date ?? DateOf(field, customer);
                return c.Operator == SegmentOperators.IsEmpty ? date is null : date is { } d && Date(c, d);
            case SegmentFieldType.Boolean:
                return c.Operator == SegmentOperators.IsEmpty ? attribute?.Flag is null : attribute?.Flag == c.Flag;
            case SegmentFieldType.List:
                var list = field == SegmentFieldCatalog.Tags ? customer.Tags : customer.Preferences;
                return c.Operator switch
                {
                    SegmentOperators.IsEmpty => list.Count == 0,
                    SegmentOperators.In => c.Texts!.Any(list.Contains),
                    _ => list.Contains(c.Text!),
                };
            case SegmentFieldType.Consent:
                var consent = ConsentOf(field, customer) ?? "unknown";
                return (c.Texts ?? [c.Text!]).Contains(consent);
            default:
                var text = attribute is not null ? attribute.Text : TextOf(field, customer);
                return c.Operator switch
                {
                    SegmentOperators.IsEmpty => string.IsNullOrEmpty(text),
                    _ when text is null => false,
                    SegmentOperators.Equal => text == c.Text,
                    SegmentOperators.In => c.Texts!.Contains(text),
                    SegmentOperators.Contains => text.Contains(c.Text!, StringComparison.Ordinal),
                    SegmentOperators.StartsWith => text.StartsWith(c.Text!, StringComparison.Ordinal),
                    SegmentOperators.EndsWith => text.EndsWith(c.Text!, StringComparison.Ordinal),
                    _ => throw new InvalidOperationException($"{c.Operator} is not a text operator."),
                };
        }
    }

    private static bool Number(TestCondition c, decimal value) => c.Operator switch
    {
        SegmentOperators.Equal => value == c.Number,
        SegmentOperators.GreaterThan => value > c.Number,
        SegmentOperators.GreaterThanOrEqual => value >= c.Number,
        SegmentOperators.LessThan => value < c.Number,
        SegmentOperators.LessThanOrEqual => value <= c.Number,
        SegmentOperators.Between => value >= c.Number && value <= c.Upper,
        SegmentOperators.In => c.Numbers!.Contains(value),
        _ => throw new InvalidOperationException($"{c.Operator} is not a number operator."),
    };

    private bool Date(TestCondition c, DateTimeOffset value) => c.Operator switch
    {
        SegmentOperators.Before => value < c.Date,
        SegmentOperators.After => value > c.Date,
        SegmentOperators.Between => value >= c.Date && value <= c.UpperDate,
        SegmentOperators.WithinLastDays => value >= now.AddDays(-c.Days!.Value),
        SegmentOperators.MoreThanDaysAgo => value < now.AddDays(-c.Days!.Value),
        _ => throw new InvalidOperationException($"{c.Operator} is not a date operator."),
    };

    private static decimal? NumberOf(string field, AudienceProfile customer) => field switch
    {
        SegmentFieldCatalog.Age => customer.Age,
        SegmentFieldCatalog.TotalSpent => customer.TotalSpent,
        SegmentFieldCatalog.OrderCount => customer.OrderCount,
        SegmentFieldCatalog.VisitCount => customer.VisitCount,
        SegmentFieldCatalog.EngagementScore => (decimal?)customer.EngagementScore,
        SegmentFieldCatalog.ChurnRisk => (decimal?)customer.ChurnRisk,
        _ => null,
    };

    private static DateTimeOffset? DateOf(string field, AudienceProfile customer) => field switch
    {
        SegmentFieldCatalog.BirthDate => customer.BirthDate,
        SegmentFieldCatalog.CreatedAt => customer.CreatedAt,
        SegmentFieldCatalog.LastOrderAt => customer.LastOrderAt,
        SegmentFieldCatalog.LastVisit => customer.LastVisit,
        _ => null,
    };

    private static string? ConsentOf(string field, AudienceProfile customer) => field switch
    {
        SegmentFieldCatalog.EmailConsent => customer.EmailConsent,
        SegmentFieldCatalog.SmsConsent => customer.SmsConsent,
        _ => customer.PushConsent,
    };

    private static string? TextOf(string field, AudienceProfile customer) => field switch
    {
        SegmentFieldCatalog.Email => customer.Email,
        SegmentFieldCatalog.EmailDomain => customer.EmailDomain,
        SegmentFieldCatalog.Name => customer.NameKey,
        SegmentFieldCatalog.Phone => customer.Phone,
        SegmentFieldCatalog.TimeZone => customer.TimeZone,
        SegmentFieldCatalog.City => customer.City,
        SegmentFieldCatalog.Country => customer.Country,
        SegmentFieldCatalog.Gender => customer.Gender,
        _ => null,
    };
}
