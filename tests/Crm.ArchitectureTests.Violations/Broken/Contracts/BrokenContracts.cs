using Crm.Modules.Other.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Mediator;
using Microsoft.Data.Sqlite;

namespace Crm.Modules.Broken.Contracts;

// Allowed: an integration event, a static catalog, an enum and a plain record.
public sealed record BrokenThingHappenedIntegrationEvent(string ThingId) : IntegrationEvent
{
    public override string AggregateId => ThingId;
}

public static class BrokenCatalog
{
    public static readonly IReadOnlyList<string> Fields = ["name", "email"];

    // Constant data and string switches make the compiler emit <PrivateImplementationDetails>; a catalog may use them.
    private static readonly int[] Weights = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9];

    public static int Weight(int index) => Weights[index % Weights.Length];

    public static int Rank(string field) => field switch
    {
        "name" => 1,
        "email" => 2,
        "phone" => 3,
        "city" => 4,
        "country" => 5,
        "birthday" => 6,
        "segment" => 7,
        "language" => 8,
        _ => 0,
    };
}

public enum BrokenStatus
{
    Active,
    Retired,
}

public sealed record BrokenFieldDescription(string Name, BrokenStatus Status);

/// <summary>Breaks both contracts rules: a service in a contracts namespace that talks to SQLite.</summary>
public sealed class CustomerSnapshotStore
{
    public static SqliteConnection Open(string connectionString) => new(connectionString);
}

/// <summary>Correctly named, but a handler has no place in contracts.</summary>
public sealed class BrokenThingHappenedIntegrationEventHandler : IIntegrationEventHandler<BrokenThingHappenedIntegrationEvent>
{
    public Task HandleAsync(BrokenThingHappenedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}

/// <summary>A record, but a Mediator request: requests stay inside the module that handles them.</summary>
public sealed record GetBrokenThing(string ThingId) : IRequest<int>;

/// <summary>A record, but one that carries a service: contracts carry data, never what the container injects.</summary>
public sealed record CustomerDirectory(IDocumentStore Store);

/// <summary>A record in shape, but it depends on a library outside System and the shared kernel (logging).</summary>
public sealed record BrokenLogSetting(Microsoft.Extensions.Logging.LogLevel Level);

/// <summary>A static catalog in shape, but it reaches into another module's implementation.</summary>
public static class LedgerCatalog
{
    public static int EntryCount() => new OtherLedger().Entries;
}
