using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Contracts;

namespace Crm.Modules.Segments.Tests.Rules;

/// <summary>
/// Random customers and orders from small domains, so random conditions match about half of them: nulls, empty
/// text, custom attributes of mixed types, amounts with two decimals, instants at whole seconds within about 400
/// days of <see cref="Now"/> (a quarter of them whole days from it, where day counts change).
/// </summary>
internal sealed class RandomAudience
{
    public static readonly DateTimeOffset FixedNow = new(2026, 3, 15, 12, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string?[]> TextDomains = new(StringComparer.Ordinal)
    {
        [SegmentFieldCatalog.Name] = [null, "ann lee", "bob", "cy ann", "dee", ""],
        [SegmentFieldCatalog.Phone] = [null, "+33 1 23", "+47 9", "555"],
        [SegmentFieldCatalog.TimeZone] = [null, "europe/paris", "europe/oslo", "america/new_york"],
        [SegmentFieldCatalog.City] = [null, "paris", "lyon", "oslo", "new york"],
        [SegmentFieldCatalog.Country] = [null, "fr", "no", "us"],
        [SegmentFieldCatalog.Gender] = [null, "female", "male", "other"],
        ["attributes.tier"] = ["gold", "silver", "bronze", ""],
        ["attributes.plan-type"] = ["pro", "free", "pro plus"],
    };

    private static readonly string[] Locals = ["ann", "bob", "cy", "dee.x"];
    private static readonly string[] Domains = ["a.io", "b.io", "c.org"];
    private static readonly string[] TagValues = ["vip", "new", "sale", "eu"];
    private static readonly string[] PreferenceValues = ["email", "sms", "push"];
    private static readonly string?[] Consents = [null, "opted_in", "opted_out"];
    private static readonly int?[] Ages = [null, 18, 25, 30, 31, 45, 60];

    private readonly Random _random;

    public RandomAudience(Random random, int customers)
    {
        _random = random;
        for (var i = 0; i < customers; i++)
        {
            var profile = Customer(i);
            Customers.Add(profile);
            for (var o = _random.Next(0, 4); o > 0; o--)
            {
                Orders.Add(new AudienceOrder
                {
                    Id = $"o{Orders.Count}",
                    CustomerId = profile.Id,
                    OrderedAt = Instant(),
                    Amount = _random.Next(0, 30_000) / 100m,
                    Counted = _random.Next(5) > 0,
                });
            }
        }
    }

    public DateTimeOffset Now => FixedNow;

    public List<AudienceProfile> Customers { get; } = [];

    public List<AudienceOrder> Orders { get; } = [];

    /// <summary>An instant at whole seconds; a quarter of them whole days from now.</summary>
    public DateTimeOffset Instant() => _random.Next(4) == 0
        ? Now.AddDays(_random.Next(-400, 401))
        : Now.AddSeconds(_random.Next(-400 * 86_400, 400 * 86_400));

    public DateTimeOffset Midnight() => new(Now.UtcDateTime.Date.AddDays(_random.Next(-400, 401)), TimeSpan.Zero);

    /// <summary>The non-null text values customers may hold in a text field.</summary>
    public IReadOnlyList<string> TextsOf(string field) => field switch
    {
        SegmentFieldCatalog.Email => [.. Locals.SelectMany(l => Domains.Select(d => l + "@" + d))],
        SegmentFieldCatalog.EmailDomain => Domains,
        SegmentFieldCatalog.Tags => TagValues,
        SegmentFieldCatalog.Preferences => PreferenceValues,
        _ => [.. TextDomains[field].OfType<string>()],
    };

    /// <summary>A number such as a customer of this audience could have in <paramref name="field"/>.</summary>
    public decimal NumberOf(string field) => field switch
    {
        SegmentFieldCatalog.Age => Pick(Ages) ?? 30,
        SegmentFieldCatalog.TotalSpent or "attributes.score" => Money(),
        SegmentFieldCatalog.SpendInLastDays => Money() * _random.Next(0, 3),
        SegmentFieldCatalog.OrderCount or SegmentFieldCatalog.OrdersInLastDays => _random.Next(0, 4),
        SegmentFieldCatalog.VisitCount => _random.Next(0, 8),
        SegmentFieldCatalog.DaysSinceLastOrder => _random.Next(-30, 401),
        SegmentFieldCatalog.EngagementScore => _random.Next(0, 21) * 5m,
        SegmentFieldCatalog.ChurnRisk => _random.Next(0, 11) / 10m,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "Not a number field."),
    };

    private AudienceProfile Customer(int i)
    {
        var email = _random.Next(40) == 0 ? "" : Pick(Locals) + "@" + Pick(Domains);
        var name = Text(SegmentFieldCatalog.Name);
        var city = Text(SegmentFieldCatalog.City);
        return new AudienceProfile
        {
            // Mostly the 32-hex ids the index packs, a few of another shape.
            Id = _random.Next(10) == 0 ? $"cust-{i}" : new Guid(Bytes(16)).ToString("N"),
            Email = email,
            EmailDomain = email.Contains('@', StringComparison.Ordinal) ? email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..] : "",
            Name = name,
            NameKey = name,
            Phone = Text(SegmentFieldCatalog.Phone),
            TimeZone = Text(SegmentFieldCatalog.TimeZone),
            City = city,
            CityName = city,
            Country = Text(SegmentFieldCatalog.Country),
            Gender = Text(SegmentFieldCatalog.Gender),
            Age = Pick(Ages),
            BirthDate = _random.Next(3) == 0 ? null : Midnight(),
            Tags = Subset(TagValues),
            Preferences = Subset(PreferenceValues),
            EmailConsent = Pick(Consents),
            SmsConsent = Pick(Consents),
            PushConsent = Pick(Consents),
            CreatedAt = Instant(),
            TotalSpent = Money(),
            OrderCount = _random.Next(0, 4),
            VisitCount = _random.Next(0, 8),
            LastOrderAt = _random.Next(4) == 0 ? null : Instant(),
            LastVisit = _random.Next(4) == 0 ? null : Instant(),
            EngagementScore = _random.Next(4) == 0 ? null : _random.Next(0, 21) * 5.0,
            ChurnRisk = _random.Next(4) == 0 ? null : (double)(_random.Next(0, 11) / 10m),
            Attributes = Attributes(),
        };
    }

    /// <summary>Each attribute is missing, of its rules' type, or (one time in six) of another type.</summary>
    private Dictionary<string, AudienceAttribute> Attributes()
    {
        var attributes = new Dictionary<string, AudienceAttribute>(StringComparer.Ordinal);
        foreach (var (key, type) in RandomRules.AttributeTypes)
        {
            if (_random.Next(4) == 0)
            {
                continue;
            }

            var stored = _random.Next(6) == 0 ? _random.Next(5) switch
            {
                0 => SegmentFieldType.Text,
                1 => SegmentFieldType.Number,
                2 => SegmentFieldType.Boolean,
                3 => SegmentFieldType.Date,
                _ => SegmentFieldType.Category,
            } : type;
            attributes[key] = stored switch
            {
                SegmentFieldType.Number => new AudienceAttribute { Number = Money() },
                SegmentFieldType.Boolean => new AudienceAttribute { Flag = _random.Next(2) == 0 },
                SegmentFieldType.Date => new AudienceAttribute { Date = Instant() },
                SegmentFieldType.Category => new AudienceAttribute(),
                _ => new AudienceAttribute { Text = Pick(TextDomains.GetValueOrDefault(SegmentFieldCatalog.AttributePrefix + key) ?? ["gold", "pro"]) },
            };
        }

        return attributes;
    }

    private string? Text(string field) => Pick(TextDomains[field]);

    private decimal Money() => _random.Next(8) == 0 ? 0m : _random.Next(0, 30_000) / 100m;

    private List<string> Subset(string[] values) => [.. values.Where(_ => _random.Next(3) == 0)];

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private T Pick<T>(IReadOnlyList<T> values) => values[_random.Next(values.Count)];
}
