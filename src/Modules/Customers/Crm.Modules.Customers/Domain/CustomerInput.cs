using Crm.Modules.Customers.Contracts;

namespace Crm.Modules.Customers.Domain;

/// <summary>
/// The fields a client writes about a customer, the same for POST, PATCH (after the merge patch is applied to the
/// current state), bulk rows and CSV rows. A null member means "not given".
/// </summary>
internal sealed record CustomerInput
{
    public string? Email { get; init; }

    public string? Name { get; init; }

    public string? Phone { get; init; }

    public string? TimeZone { get; init; }

    public ProfileInput? Profile { get; init; }

    public List<string>? Preferences { get; init; }

    public List<string>? Tags { get; init; }

    /// <summary>Values are JSON strings, numbers, booleans, or ISO-8601 date strings (kept as dates); null removes a key.</summary>
    public Dictionary<string, CustomAttributeInput>? CustomAttributes { get; init; }

    public ConsentInput? Consent { get; init; }
}

internal sealed record ProfileInput
{
    public int? Age { get; init; }

    public DateOnly? BirthDate { get; init; }

    public string? Gender { get; init; }

    public string? City { get; init; }

    public string? Country { get; init; }
}

internal sealed record ConsentInput
{
    public ChannelConsentInput? Email { get; init; }

    public ChannelConsentInput? Sms { get; init; }

    public ChannelConsentInput? Push { get; init; }
}

/// <summary>A consent statement; <see cref="At"/> defaults to now and <see cref="Source"/> to the way the data came in.</summary>
internal sealed record ChannelConsentInput
{
    public ConsentStatus? Status { get; init; }

    public DateTimeOffset? At { get; init; }

    public string? Source { get; init; }
}
