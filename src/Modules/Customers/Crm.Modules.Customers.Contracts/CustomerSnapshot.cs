namespace Crm.Modules.Customers.Contracts;

/// <summary>
/// What other modules may know of a customer, carried whole by <see cref="CustomerCreatedIntegrationEvent"/> and
/// <see cref="CustomerUpdatedIntegrationEvent"/> (event-carried state transfer): a subscriber keeps its own copy and
/// never reads the Customers module's collections.
/// </summary>
public sealed record CustomerSnapshot
{
    public required string Id { get; init; }

    /// <summary>Normalised to lower case.</summary>
    public required string Email { get; init; }

    public string? Name { get; init; }

    /// <summary>E.164, e.g. <c>+4915112345678</c>.</summary>
    public string? Phone { get; init; }

    /// <summary>IANA time zone id, e.g. <c>Europe/Berlin</c>.</summary>
    public string? TimeZone { get; init; }

    public CustomerProfileSnapshot Profile { get; init; } = new();

    public IReadOnlyList<string> Preferences { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, CustomAttributeValue> CustomAttributes { get; init; } =
        new Dictionary<string, CustomAttributeValue>(StringComparer.Ordinal);

    public ConsentSnapshot Consent { get; init; } = new();

    public BehaviourSnapshot Behaviour { get; init; } = new();

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The stored version this snapshot was taken from; a subscriber ignores a snapshot older than its copy.</summary>
    public long Version { get; init; }
}

public sealed record CustomerProfileSnapshot
{
    public int? Age { get; init; }

    public DateOnly? BirthDate { get; init; }

    public string? Gender { get; init; }

    public string? City { get; init; }

    /// <summary>ISO 3166-1 alpha-2, upper case.</summary>
    public string? Country { get; init; }
}

public enum ConsentStatus
{
    OptedIn,
    OptedOut,
}

/// <summary>A channel's consent: absent means the customer never said either way.</summary>
public sealed record ChannelConsentSnapshot(ConsentStatus Status, DateTimeOffset At, string Source);

public sealed record ConsentSnapshot
{
    public ChannelConsentSnapshot? Email { get; init; }

    public ChannelConsentSnapshot? Sms { get; init; }

    public ChannelConsentSnapshot? Push { get; init; }
}

/// <summary>Behavioural data the Customers module keeps exact from order events and recorded visits.</summary>
public sealed record BehaviourSnapshot
{
    /// <summary>Sum of the customer's counted orders (placed or paid), in the base currency.</summary>
    public decimal TotalSpent { get; init; }

    public int OrderCount { get; init; }

    public int VisitCount { get; init; }

    public DateTimeOffset? LastOrderAt { get; init; }

    public DateTimeOffset? LastVisit { get; init; }

    /// <summary>0-100 when scored (the AI module sets it later); null until then.</summary>
    public double? EngagementScore { get; init; }
}
