using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Domain;
using Mapster;

namespace Crm.Modules.Customers.Features;

/// <summary>A customer as the API shows it. Custom attributes are plain JSON values (dates as ISO-8601 strings).</summary>
internal sealed record CustomerResponse
{
    public string Id { get; init; } = "";

    public string Email { get; init; } = "";

    public string? Name { get; init; }

    public string? Phone { get; init; }

    public string? TimeZone { get; init; }

    public ProfileResponse Profile { get; init; } = new();

    public IReadOnlyList<string> Preferences { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, object?> CustomAttributes { get; init; } = new Dictionary<string, object?>();

    public ConsentResponse Consent { get; init; } = new();

    public BehaviourResponse Behaviour { get; init; } = new();

    /// <summary>How the customer first came in: api, bulk, import, order or demo.</summary>
    public string Source { get; init; } = "";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Also the ETag; send it back in If-Match to make a write conditional.</summary>
    public long Version { get; init; }
}

internal sealed record ProfileResponse
{
    public int? Age { get; init; }

    public DateOnly? BirthDate { get; init; }

    public string? Gender { get; init; }

    public string? City { get; init; }

    public string? Country { get; init; }
}

internal sealed record ConsentResponse
{
    public ChannelConsentResponse? Email { get; init; }

    public ChannelConsentResponse? Sms { get; init; }

    public ChannelConsentResponse? Push { get; init; }
}

internal sealed record ChannelConsentResponse
{
    public ConsentStatus Status { get; init; }

    public DateTimeOffset At { get; init; }

    public string Source { get; init; } = "";
}

internal sealed record BehaviourResponse
{
    public decimal TotalSpent { get; init; }

    public int OrderCount { get; init; }

    public int VisitCount { get; init; }

    public DateTimeOffset? LastOrderAt { get; init; }

    public DateTimeOffset? LastVisit { get; init; }

    public double? EngagementScore { get; init; }
}

/// <summary>Document to response: one compiled Mapster configuration, private to the module.</summary>
internal static class CustomerMapping
{
    public static TypeAdapterConfig Config { get; } = Create();

    public static CustomerResponse ToResponse(this Customer customer) => customer.Adapt<CustomerResponse>(Config);

    public static BehaviourResponse ToResponse(this CustomerBehaviour behaviour) => behaviour.Adapt<BehaviourResponse>(Config);

    private static TypeAdapterConfig Create()
    {
        var config = new TypeAdapterConfig();
        config.NewConfig<Customer, CustomerResponse>()
            .Map(
                response => response.CustomAttributes,
                customer => customer.CustomAttributes.ToDictionary(
                    pair => pair.Key,
                    pair => Domain.CustomAttributes.ToJsonValue(pair.Value),
                    StringComparer.Ordinal));
        config.NewConfig<CustomerBehaviour, BehaviourResponse>();
        config.Compile();
        return config;
    }
}
