using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>
/// Thrown by <see cref="BatchSession"/> when an event's handler would read or write what an earlier event of the
/// same batch has staged: delivered alone it would have seen that change committed, so it goes to the next batch.
/// </summary>
internal sealed class BatchConflictException() : Exception("The handler touched a document an earlier event of the batch changed.");

/// <summary>
/// The session a handler gets when several events of distinct aggregates are delivered in one commit. Reads go to
/// the dispatcher's session (committed data); writes are held per event and reach that session only when the
/// handler returns, so a handler that throws leaves nothing behind. A handler that would read a document an earlier
/// event of the batch wrote, query a collection one wrote to, or write a document one wrote, gets a
/// <see cref="BatchConflictException"/> before it sees stale data: the store would not catch that itself, because
/// the earlier write is only staged and a second store of the same document replaces the first in the unit.
/// </summary>
internal sealed class BatchSession(IDocumentSession inner) : IDocumentSession
{
    private readonly HashSet<(Type Type, string Id)> _written = [];
    private readonly HashSet<Type> _writtenTypes = [];
    private readonly List<(Type Type, string Id)> _eventKeys = [];
    private readonly List<Action<IDocumentSession>> _eventWrites = [];

    /// <summary>Starts the next event: what it stages is held until <see cref="Accept"/> or <see cref="Reject"/>.</summary>
    public void Begin()
    {
        _eventKeys.Clear();
        _eventWrites.Clear();
    }

    /// <summary>Passes the current event's writes to the dispatcher's session; later events may not touch them.</summary>
    public void Accept()
    {
        foreach (var write in _eventWrites)
        {
            write(inner);
        }

        foreach (var key in _eventKeys)
        {
            _written.Add(key);
            _writtenTypes.Add(key.Type);
        }

        Begin();
    }

    /// <summary>Forgets the current event's writes.</summary>
    public void Reject() => Begin();

    public Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        EnsureUntouched(typeof(T), id);
        return inner.LoadAsync<T>(id, cancellationToken);
    }

    public Task<IReadOnlyDictionary<string, T>> LoadManyAsync<T>(IEnumerable<string> ids, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyCollection<string> ?? [.. ids];
        foreach (var id in list)
        {
            EnsureUntouched(typeof(T), id);
        }

        return inner.LoadManyAsync<T>(list, cancellationToken);
    }

    public IDocumentQuery<T> Query<T>()
        where T : class, IDocument
    {
        // A query may match a document an earlier event inserted or changed, whatever its id: the whole collection counts.
        if (_writtenTypes.Contains(typeof(T)))
        {
            throw new BatchConflictException();
        }

        return inner.Query<T>();
    }

    public void Store<T>(T document)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(document);
        Hold(typeof(T), document.Id, s => s.Store(document));
    }

    public void Upsert<T>(T document)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(document);
        Hold(typeof(T), document.Id, s => s.Upsert(document));
    }

    public void Delete<T>(string id, long? expectedVersion = null)
        where T : class, IDocument =>
        Hold(typeof(T), id, s => s.Delete<T>(id, expectedVersion));

    public void Patch<T>(string id, Action<IDocumentPatch<T>> build)
        where T : class, IDocument =>
        Hold(typeof(T), id, s => s.Patch(id, build));

    public void Publish(IIntegrationEvent integrationEvent)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        _eventWrites.Add(s => s.Publish(integrationEvent));
    }

    /// <summary>Held with the event's writes: it runs after the batch commits, and not at all if the event is rejected.</summary>
    public void AfterCommit(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _eventWrites.Add(s => s.AfterCommit(callback));
    }

    /// <summary>
    /// The dispatcher commits. A handler that commits by itself cannot share a commit: it is taken out of the batch
    /// and, as the first of the next, delivered alone in a session of its own.
    /// </summary>
    public Task SaveChangesAsync(CancellationToken cancellationToken = default) => throw new BatchConflictException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Hold(Type type, string id, Action<IDocumentSession> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        EnsureUntouched(type, id);
        _eventKeys.Add((type, id));
        _eventWrites.Add(write);
    }

    private void EnsureUntouched(Type type, string id)
    {
        if (_written.Contains((type, id)))
        {
            throw new BatchConflictException();
        }
    }
}
