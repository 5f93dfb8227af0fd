using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Mongo;
using Crm.SharedKernel.Tests.Store;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Mongo;

/// <summary>
/// The contract against a real MongoDB replica set named by CRM_TEST_MONGO (for example
/// <c>mongodb://localhost:27017/?replicaSet=rs0</c>). The fixture works in a database of its own, emptied after each
/// test and dropped at the end. Without the variable every test is reported as ignored, and the run says so.
/// </summary>
[TestFixture]
public sealed class MongoDocumentStoreContract : DocumentStoreContract
{
    public const string Variable = "CRM_TEST_MONGO";

    private readonly string _database = $"crm_contract_{Guid.NewGuid():N}";
    private string? _connectionString;

    [OneTimeSetUp]
    public void RequireServer()
    {
        _connectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(_connectionString))
        {
            const string message =
                "MongoDB contract run SKIPPED: set " + Variable + "=mongodb://HOST:27017/?replicaSet=rs0 (a replica set; " +
                "a standalone server has no transactions) to run the document-store contract against MongoDB.";
            TestContext.Progress.WriteLine(message);
            Assert.Ignore(message);
        }
    }

    [OneTimeTearDown]
    public async Task DropDatabase()
    {
        if (!string.IsNullOrWhiteSpace(_connectionString))
        {
            using var client = new MongoClient(_connectionString);
            await client.DropDatabaseAsync(_database);
        }
    }

    private protected override async Task<StoreUnderTest> CreateStoreAsync(DocumentModel model, CancellationToken cancellationToken)
    {
        var store = new MongoDocumentStore(
            model,
            new MongoStoreOptions { ConnectionString = _connectionString!, Database = _database },
            TimeProvider.System,
            NullLoggerFactory.Instance);
        await store.EnsureStartedAsync(cancellationToken);
        return new StoreUnderTest(store, store, async () =>
        {
            await EmptyAsync(store.Database);
            store.Dispose();
        });
    }

    /// <summary>Deletes the documents but keeps collections and indexes, so the next test starts empty and quickly.</summary>
    private static async Task EmptyAsync(IMongoDatabase database)
    {
        using var names = await database.ListCollectionNamesAsync();
        foreach (var name in await names.ToListAsync())
        {
            await database.GetCollection<BsonDocument>(name).DeleteManyAsync(FilterDefinition<BsonDocument>.Empty);
        }
    }
}
