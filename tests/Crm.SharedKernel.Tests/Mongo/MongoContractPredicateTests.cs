using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Mongo;
using Crm.SharedKernel.Tests.Store;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Mongo;

/// <summary>
/// The contract's predicates through the MongoDB engine's own query path (subset check, then the driver's provider),
/// which needs no server: the supported ones are accepted and the unsupported ones fail naming the construct, as on SQLite.
/// </summary>
public sealed class MongoContractPredicateTests
{
    private MongoDocumentStore _store = null!;

    [OneTimeSetUp]
    public void CreateStore() => _store = new MongoDocumentStore(
        DocumentStoreContract.CreateModel(),
        new MongoStoreOptions { ConnectionString = $"mongodb://127.0.0.1:{MongoTestStores.ClosedPort()}/?replicaSet=rs0" },
        TimeProvider.System,
        NullLoggerFactory.Instance);

    [OneTimeTearDown]
    public void DisposeStore() => _store.Dispose();

    [TestCaseSource(typeof(ContractPredicates), nameof(ContractPredicates.All))]
    public void Every_contract_predicate_is_accepted_by_the_mongodb_query_path(ContractPredicate predicate) =>
        Assert.That(() => _store.OpenSession().Query<ContractCustomer>().Where(predicate.Predicate), Throws.Nothing);

    [Test]
    public void Every_unsupported_contract_construct_is_refused_naming_it()
    {
        foreach (var (construct, predicate) in ContractPredicates.Unsupported)
        {
            Assert.That(
                () => _store.OpenSession().Query<ContractCustomer>().Where(predicate),
                Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain(construct),
                construct);
        }
    }
}
