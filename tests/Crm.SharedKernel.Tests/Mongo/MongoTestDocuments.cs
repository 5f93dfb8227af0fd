using System.Net;
using System.Net.Sockets;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Mongo;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crm.SharedKernel.Tests.Mongo;

public enum Tier
{
    Bronze,
    Gold,
}

public sealed class Shopper : IDocument
{
    public string Id { get; set; } = string.Empty;

    public long Version { get; set; }

    public string Name { get; set; } = string.Empty;

    public string? Email { get; set; }

    public string IPAddress { get; set; } = string.Empty;

    public Tier Tier { get; set; }

    public List<Tier> PastTiers { get; set; } = [];

    public decimal Spent { get; set; }

    public int? Age { get; set; }

    public DateTimeOffset JoinedAt { get; set; }

    public Guid ExternalRef { get; set; }

    public string[] Tags { get; set; } = [];

    public List<string> Labels { get; set; } = [];

    public Dictionary<string, string> Attributes { get; set; } = [];

    public Dictionary<string, decimal> Totals { get; set; } = [];

    public PostalAddress? Address { get; set; }
}

public sealed class PostalAddress
{
    public string Id { get; set; } = string.Empty;

    public string City { get; set; } = string.Empty;
}

internal static class MongoTestStores
{
    public static DocumentModel Model()
    {
        var model = new DocumentModel();
        model.Add(new DocumentCollection(
            "tests.shoppers",
            typeof(Shopper),
            [
                new DocumentIndex((System.Linq.Expressions.Expression<Func<Shopper, string?>>)(s => s.Email), Unique: true),
                new DocumentIndex((System.Linq.Expressions.Expression<Func<Shopper, string>>)(s => s.Address!.City), Unique: false),
            ]));
        return model;
    }

    /// <summary>A loopback port nothing listens on: taken from the OS, then released.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A store whose server does not exist; building it connects to nothing, so rendering can be tested here.</summary>
    public static MongoDocumentStore Unreachable(out string address, TimeSpan? timeout = null)
    {
        address = $"127.0.0.1:{ClosedPort()}";
        return new MongoDocumentStore(
            Model(),
            new MongoStoreOptions
            {
                ConnectionString = $"mongodb://{address}/?replicaSet=rs0",
                ServerSelectionTimeout = timeout ?? TimeSpan.FromSeconds(1),
            },
            TimeProvider.System,
            NullLoggerFactory.Instance);
    }
}
