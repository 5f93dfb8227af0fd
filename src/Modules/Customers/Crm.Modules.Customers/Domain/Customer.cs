using Crm.Modules.Customers.Contracts;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Customers.Domain;

/// <summary>
/// A customer, stored in <c>customers.customers</c>. The email is the natural key (unique, lower case). Behavioural
/// data is written only by the module's own order and visit handling, never from client input.
/// </summary>
internal sealed class Customer : IDocument
{
    public const string Collection = "customers.customers";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Email { get; set; } = "";

    public string? Name { get; set; }

    /// <summary>Lower-cased copy of <see cref="Name"/> for ordinal prefix search.</summary>
    public string? NameKey { get; set; }

    public string? Phone { get; set; }

    public string? TimeZone { get; set; }

    public CustomerProfile Profile { get; set; } = new();

    public List<string> Preferences { get; set; } = [];

    public List<string> Tags { get; set; } = [];

    public Dictionary<string, CustomAttributeValue> CustomAttributes { get; set; } = new(StringComparer.Ordinal);

    public CustomerConsent Consent { get; set; } = new();

    public CustomerBehaviour Behaviour { get; set; } = new();

    /// <summary>Where the customer first came from: <c>api</c>, <c>bulk</c>, <c>import</c>, <c>order</c>, <c>demo</c>.</summary>
    public string Source { get; set; } = "api";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public CustomerSnapshot ToSnapshot() => new()
    {
        Id = Id,
        Email = Email,
        Name = Name,
        Phone = Phone,
        TimeZone = TimeZone,
        Profile = new CustomerProfileSnapshot
        {
            Age = Profile.Age,
            BirthDate = Profile.BirthDate,
            Gender = Profile.Gender,
            City = Profile.City,
            Country = Profile.Country,
        },
        Preferences = [.. Preferences],
        Tags = [.. Tags],
        CustomAttributes = new Dictionary<string, CustomAttributeValue>(CustomAttributes, StringComparer.Ordinal),
        Consent = new ConsentSnapshot
        {
            Email = Consent.Email?.ToSnapshot(),
            Sms = Consent.Sms?.ToSnapshot(),
            Push = Consent.Push?.ToSnapshot(),
        },
        Behaviour = new BehaviourSnapshot
        {
            TotalSpent = Behaviour.TotalSpent,
            OrderCount = Behaviour.OrderCount,
            VisitCount = Behaviour.VisitCount,
            LastOrderAt = Behaviour.LastOrderAt,
            LastVisit = Behaviour.LastVisit,
            EngagementScore = Behaviour.EngagementScore,
        },
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Version = Version,
    };
}

internal sealed class CustomerProfile
{
    public int? Age { get; set; }

    public DateOnly? BirthDate { get; set; }

    public string? Gender { get; set; }

    public string? City { get; set; }

    /// <summary>ISO 3166-1 alpha-2, upper case.</summary>
    public string? Country { get; set; }
}

internal sealed class CustomerConsent
{
    public ChannelConsent? Email { get; set; }

    public ChannelConsent? Sms { get; set; }

    public ChannelConsent? Push { get; set; }
}

internal sealed class ChannelConsent
{
    public ConsentStatus Status { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>How the consent was given or withdrawn: <c>api</c>, <c>import</c>, <c>web form</c>, ...</summary>
    public string Source { get; set; } = "";

    public ChannelConsentSnapshot ToSnapshot() => new(Status, At, Source);
}

internal sealed class CustomerBehaviour
{
    public decimal TotalSpent { get; set; }

    public int OrderCount { get; set; }

    public int VisitCount { get; set; }

    public DateTimeOffset? LastOrderAt { get; set; }

    public DateTimeOffset? LastVisit { get; set; }

    public double? EngagementScore { get; set; }
}
