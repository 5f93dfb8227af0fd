using System.Linq.Expressions;
using Crm.Modules.Segments.Audience;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Segments.Tests.Rules;

/// <summary>A real SQLite document store in a temporary folder holding audience profiles; deleted with it.</summary>
internal sealed class AudienceStore : IAsyncDisposable
{
    private readonly string _folder;
    private readonly SqliteDocumentStore _store;

    private AudienceStore(string folder, SqliteDocumentStore store)
    {
        _folder = folder;
        _store = store;
    }

    public static async Task<AudienceStore> OpenAsync(IEnumerable<AudienceProfile> profiles)
    {
        var services = new ServiceCollection();
        // Indexed paths are read from their own columns, so both ways of reading a field are exercised.
        services.AddDocumentCollection<AudienceProfile>(AudienceProfile.Collection, c => c
            .Index(x => x.City)
            .Index(x => x.TotalSpent)
            .Index(x => x.LastOrderAt));
        var model = (DocumentModel)services.Single(d => d.ServiceType == typeof(DocumentModel)).ImplementationInstance!;
        var folder = Path.Combine(Path.GetTempPath(), "crm-segments-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var store = new AudienceStore(folder, new SqliteDocumentStore(model, new SqliteStoreOptions { Path = Path.Combine(folder, "crm.db") }));
        await using var session = store._store.OpenSession();
        foreach (var profile in profiles)
        {
            session.Store(profile);
        }

        await session.SaveChangesAsync();
        return store;
    }

    public async Task<IReadOnlyList<string>> IdsAsync(Expression<Func<AudienceProfile, bool>> predicate)
    {
        await using var session = _store.OpenSession();
        return await session.Query<AudienceProfile>().Where(predicate).SelectAsync(x => x.Id);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
