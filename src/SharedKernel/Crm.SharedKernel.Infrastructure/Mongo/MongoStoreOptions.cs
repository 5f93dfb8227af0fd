using System.Globalization;
using Microsoft.Extensions.Configuration;
using MongoDB.Driver;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>Where the MongoDB engine finds its server. Read from configuration by <see cref="From"/>.</summary>
public sealed record MongoStoreOptions
{
    public const string DefaultDatabase = "crm";

    /// <summary>A standard MongoDB connection string. Transactions need a replica set (<c>?replicaSet=rs0</c>).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The database; when null, the one named in the connection string, else <see cref="DefaultDatabase"/>.</summary>
    public string? Database { get; init; }

    /// <summary>
    /// How long an operation waits for a usable server before the store reports itself unavailable. The driver's
    /// own default (30 s) would hold a request far longer than a caller or a health probe waits.
    /// </summary>
    public TimeSpan ServerSelectionTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reads <c>ConnectionStrings:Mongo</c>, <c>Storage:Mongo:Database</c> and <c>Storage:Mongo:ServerSelectionTimeout</c>.</summary>
    public static MongoStoreOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration.GetConnectionString("Mongo");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("ConnectionStrings:Mongo is not set; the MongoDB store needs a connection string.");
        }

        var timeoutText = configuration["Storage:Mongo:ServerSelectionTimeout"];
        var timeout = TimeSpan.FromSeconds(5);
        if (!string.IsNullOrWhiteSpace(timeoutText)
            && (!TimeSpan.TryParse(timeoutText, CultureInfo.InvariantCulture, out timeout) || timeout <= TimeSpan.Zero))
        {
            throw new InvalidOperationException(
                $"Storage:Mongo:ServerSelectionTimeout '{timeoutText}' is not a positive time span such as 00:00:05.");
        }

        var database = configuration["Storage:Mongo:Database"];
        return new MongoStoreOptions
        {
            ConnectionString = connectionString,
            Database = string.IsNullOrWhiteSpace(database) ? null : database,
            ServerSelectionTimeout = timeout,
        };
    }

    internal string ResolveDatabase() =>
        Database ?? MongoUrl.Create(ConnectionString).DatabaseName ?? DefaultDatabase;
}
