using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// A unit of work on MongoDB. Reads go straight to the server (committed data); writes and events are staged and
/// sent in one transaction by <see cref="SaveChangesAsync"/>.
/// </summary>
internal sealed class MongoDocumentSession(MongoDocumentStore store) : IDocumentSession
{
    private readonly List<MongoWrite> _writes = [];
    private readonly List<IIntegrationEvent> _events = [];
    private readonly List<Action> _afterCommit = [];

    public Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(id);
        var binding = store.Binding<T>();
        return store.ReadAsync<T?>(
            "load",
            binding.Name,
            async ct => await binding.Documents.Find(new BsonDocument("_id", id)).FirstOrDefaultAsync(ct),
            cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, T>> LoadManyAsync<T>(IEnumerable<string> ids, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(ids);
        var wanted = ids.Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
        {
            return new Dictionary<string, T>();
        }

        var binding = store.Binding<T>();
        var found = await store.ReadAsync(
            "load_many",
            binding.Name,
            ct => binding.Documents.Find(new BsonDocument("_id", new BsonDocument("$in", new BsonArray(wanted)))).ToListAsync(ct),
            cancellationToken);
        return found.ToDictionary(d => d.Id, StringComparer.Ordinal);
    }

    public IDocumentQuery<T> Query<T>()
        where T : class, IDocument =>
        new MongoDocumentQuery<T>(store, store.Binding<T>());

    public void Store<T>(T document)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(document);
        AssignId(document);
        Stage(new StoreWrite<T>(store.Binding<T>(), document));
    }

    public void Upsert<T>(T document)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(document);
        AssignId(document);
        Stage(new UpsertWrite<T>(store.Binding<T>(), document));
    }

    public void Delete<T>(string id, long? expectedVersion = null)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(id);
        _writes.Add(new DeleteWrite(store.Binding<T>(), id, expectedVersion));
    }

    public void Patch<T>(string id, Action<IDocumentPatch<T>> build)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(build);
        var binding = store.Binding<T>();
        var patch = new MongoDocumentPatch<T>(binding);
        build(patch);
        if (!patch.IsEmpty)
        {
            _writes.Add(new PatchWrite(binding, id, patch.Render()));
        }
    }

    public void Publish(IIntegrationEvent integrationEvent)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        _events.Add(integrationEvent);
    }

    public void AfterCommit(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _afterCommit.Add(callback);
    }

    public async Task SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        if (_writes.Count == 0 && _events.Count == 0)
        {
            RunAfterCommit();
            return;
        }

        // A lone write is atomic by itself; events always go with a counter update, so they need the transaction.
        var transactional = _writes.Count > 1 || _events.Count > 0;
        await store.WriteAsync(
            "save_changes",
            transactional,
            _writes.Count,
            async (session, ct) =>
            {
                foreach (var write in _writes)
                {
                    await write.ExecuteAsync(store, session, ct);
                }

                await store.AppendOutboxAsync(session, _events, ct);
            },
            cancellationToken);

        foreach (var write in _writes)
        {
            write.Complete();
        }

        _writes.Clear();
        _events.Clear();
        RunAfterCommit();
    }

    private void RunAfterCommit()
    {
        var callbacks = _afterCommit.ToArray();
        _afterCommit.Clear();
        foreach (var callback in callbacks)
        {
            callback();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void AssignId(IDocument document)
    {
        if (string.IsNullOrEmpty(document.Id))
        {
            document.Id = DocumentId.New(store.Time);
        }
    }

    /// <summary>Storing the same document twice in one unit of work writes it once, with its latest state.</summary>
    private void Stage(MongoWrite write)
    {
        var index = _writes.FindIndex(w => w.GetType() == write.GetType() && w.Binding == write.Binding && w.Id == write.Id);
        if (index >= 0)
        {
            _writes[index] = write;
        }
        else
        {
            _writes.Add(write);
        }
    }
}
