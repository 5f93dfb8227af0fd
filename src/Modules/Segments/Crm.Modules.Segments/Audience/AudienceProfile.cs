using Crm.Modules.Customers.Contracts;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// Segments' own copy of a customer's segmentable fields, in <c>segments.audience</c>, fed by Customers events. The
/// in-memory audience index is rebuilt from these at start, so a restart needs no other module. Text that rules
/// compare is kept lower case (rules compare text case-insensitively); <see cref="Name"/> and <see cref="CityName"/>
/// keep the spelling shown in samples and breakdowns.
/// </summary>
internal sealed class AudienceProfile : IDocument
{
    public const string Collection = "segments.audience";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    /// <summary>The Customers snapshot version this copy was taken from; an older snapshot is ignored.</summary>
    public long CustomerVersion { get; set; }

    public string Email { get; set; } = "";

    public string EmailDomain { get; set; } = "";

    public string? Name { get; set; }

    public string? NameKey { get; set; }

    public string? Phone { get; set; }

    public string? TimeZone { get; set; }

    public string? City { get; set; }

    public string? CityName { get; set; }

    public string? Country { get; set; }

    public string? Gender { get; set; }

    public int? Age { get; set; }

    /// <summary>Midnight UTC of the birth date.</summary>
    public DateTimeOffset? BirthDate { get; set; }

    public List<string> Tags { get; set; } = [];

    public List<string> Preferences { get; set; } = [];

    /// <summary><c>opted_in</c> or <c>opted_out</c>; null when the customer never said either way.</summary>
    public string? EmailConsent { get; set; }

    public string? SmsConsent { get; set; }

    public string? PushConsent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public decimal TotalSpent { get; set; }

    public int OrderCount { get; set; }

    public int VisitCount { get; set; }

    public DateTimeOffset? LastOrderAt { get; set; }

    public DateTimeOffset? LastVisit { get; set; }

    public double? EngagementScore { get; set; }

    /// <summary>0-1, set by the AI module's scores when it provides them.</summary>
    public double? ChurnRisk { get; set; }

    public Dictionary<string, AudienceAttribute> Attributes { get; set; } = new(StringComparer.Ordinal);

    public static AudienceProfile From(CustomerSnapshot customer, AudienceProfile? existing = null)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var email = customer.Email.ToLowerInvariant();
        var at = email.LastIndexOf('@');
        return new AudienceProfile
        {
            Id = customer.Id,
            Version = existing?.Version ?? 0,
            CustomerVersion = customer.Version,
            Email = email,
            EmailDomain = at >= 0 ? email[(at + 1)..] : "",
            Name = Blank(customer.Name),
            NameKey = Key(customer.Name),
            Phone = Key(customer.Phone),
            TimeZone = Key(customer.TimeZone),
            City = Key(customer.Profile.City),
            CityName = Blank(customer.Profile.City)?.Trim(),
            Country = Key(customer.Profile.Country),
            Gender = Key(customer.Profile.Gender),
            Age = customer.Profile.Age,
            BirthDate = customer.Profile.BirthDate is { } birth ? new DateTimeOffset(birth.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            Tags = Keys(customer.Tags),
            Preferences = Keys(customer.Preferences),
            EmailConsent = Consent(customer.Consent.Email),
            SmsConsent = Consent(customer.Consent.Sms),
            PushConsent = Consent(customer.Consent.Push),
            CreatedAt = ToSecond(customer.CreatedAt),
            TotalSpent = customer.Behaviour.TotalSpent,
            OrderCount = customer.Behaviour.OrderCount,
            VisitCount = customer.Behaviour.VisitCount,
            LastOrderAt = ToSecond(customer.Behaviour.LastOrderAt),
            LastVisit = ToSecond(customer.Behaviour.LastVisit),
            EngagementScore = customer.Behaviour.EngagementScore,
            ChurnRisk = existing?.ChurnRisk,
            Attributes = customer.CustomAttributes.ToDictionary(a => a.Key, a => AudienceAttribute.From(a.Value), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// An instant to the whole second, in UTC: segment rules compare instants to the second, so the index keeps
    /// them in four bytes and every engine reads the same stored values.
    /// </summary>
    public static DateTimeOffset ToSecond(DateTimeOffset instant) =>
        new(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    public static DateTimeOffset? ToSecond(DateTimeOffset? instant) => instant is { } at ? ToSecond(at) : null;

    public static string? Key(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToLowerInvariant();

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static List<string> Keys(IEnumerable<string> values) =>
        values.Select(Key).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    private static string? Consent(ChannelConsentSnapshot? consent) => consent?.Status switch
    {
        ConsentStatus.OptedIn => "opted_in",
        ConsentStatus.OptedOut => "opted_out",
        _ => null,
    };
}

/// <summary>A custom attribute's value; exactly one of the members is set, by its type. Text is lower case.</summary>
internal sealed class AudienceAttribute
{
    public string? Text { get; set; }

    public decimal? Number { get; set; }

    public bool? Flag { get; set; }

    public DateTimeOffset? Date { get; set; }

    public static AudienceAttribute From(CustomAttributeValue value) => value.Type switch
    {
        CustomAttributeType.Number => new AudienceAttribute { Number = value.Number },
        CustomAttributeType.Boolean => new AudienceAttribute { Flag = value.Flag },
        CustomAttributeType.Date => new AudienceAttribute { Date = AudienceProfile.ToSecond(value.Date) },
        _ => new AudienceAttribute { Text = AudienceProfile.Key(value.Text) },
    };
}

/// <summary>
/// One order as Segments needs it for order-window rules (orders and spend in the last N days), in
/// <c>segments.audience_orders</c>, fed by Orders events. <see cref="CustomerId"/> is null while the order names an
/// email no customer has yet; the customer's creation links it.
/// </summary>
internal sealed class AudienceOrder : IDocument
{
    public const string Collection = "segments.audience_orders";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string? CustomerId { get; set; }

    /// <summary>Lower case; kept only while the order is not linked to a customer.</summary>
    public string? CustomerEmail { get; set; }

    public DateTimeOffset OrderedAt { get; set; }

    public decimal Amount { get; set; }

    /// <summary>Placed or paid: the orders that count toward spend, as in the customer's totals.</summary>
    public bool Counted { get; set; }
}
