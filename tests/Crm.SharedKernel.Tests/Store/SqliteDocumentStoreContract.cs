using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Sqlite;

using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Store;

/// <summary>The contract against the embedded engine: a real SQLite file per test in a temporary folder.</summary>
[TestFixture]
public sealed class SqliteDocumentStoreContract : DocumentStoreContract
{
    private protected override Task<StoreUnderTest> CreateStoreAsync(DocumentModel model, CancellationToken cancellationToken)
    {
        var folder = TempFolder.Create();
        var store = new SqliteDocumentStore(model, new SqliteStoreOptions { Path = Path.Combine(folder, "crm.db") });
        return Task.FromResult(new StoreUnderTest(store, store.Outbox, async () =>
        {
            await store.DisposeAsync();
            TempFolder.Delete(folder);
        }));
    }
}

internal static class TempFolder
{
    public static string Create()
    {
        var folder = Path.Combine(Path.GetTempPath(), "crm-store-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static void Delete(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
