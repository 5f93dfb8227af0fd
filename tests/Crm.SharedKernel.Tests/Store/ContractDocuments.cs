using System.Text.Json.Serialization;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using MongoDB.Bson.Serialization.Attributes;

namespace Crm.SharedKernel.Tests.Store;

public enum ContractTier
{
    Bronze,
    Silver,
    Gold,
}

public sealed class ContractAddress
{
    public string Street { get; set; } = "";

    public string City { get; set; } = "";

    public string? PostalCode { get; set; }
}

/// <summary>A customer-shaped document with every kind of field the port must keep and query.</summary>
public sealed class ContractCustomer : IDocument
{
    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Email { get; set; } = "";

    public string Name { get; set; } = "";

    public int Age { get; set; }

    public long Visits { get; set; }

    public decimal Balance { get; set; }

    public double? Score { get; set; }

    public DateTimeOffset JoinedAt { get; set; }

    public DateTimeOffset? LastSeenAt { get; set; }

    public ContractTier Tier { get; set; }

    public bool Active { get; set; }

    public string? Nickname { get; set; }

    /// <summary>Left out of the stored document when null, so queries meet a truly missing field.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [BsonIgnoreIfNull]
    public string? Referrer { get; set; }

    public ContractAddress? Address { get; set; }

    public Dictionary<string, string> Attributes { get; set; } = [];

    public List<string> Tags { get; set; } = [];

    public int Counter { get; set; }

    public decimal Total { get; set; }
}

/// <summary>A second collection, so writes across collections in one commit are covered.</summary>
public sealed class ContractNote : IDocument
{
    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string CustomerId { get; set; } = "";

    public string Text { get; set; } = "";
}

public sealed record ContractCustomerRegistered(string CustomerId, string Email, decimal Balance) : IntegrationEvent
{
    public override string AggregateId => CustomerId;
}
