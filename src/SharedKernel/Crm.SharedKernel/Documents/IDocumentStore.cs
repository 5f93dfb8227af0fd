using Crm.SharedKernel.Events;

namespace Crm.SharedKernel.Documents;

/// <summary>
/// The document port. One store per process; a session per unit of work.
/// Modelled on the document sessions of Marten and RavenDB rather than on a repository per type.
/// </summary>
public interface IDocumentStore
{
    /// <summary>Opens a unit of work. Nothing is written until <see cref="IDocumentSession.SaveChangesAsync"/>.</summary>
    IDocumentSession OpenSession();

    /// <summary>
    /// Writes many documents in batches, outside a session. Rows are independent: a row that breaks a unique
    /// index (or, in <see cref="BulkWriteMode.Insert"/>, whose id exists) is reported in the result and the
    /// others are kept. <paramref name="eventFor"/> gives, for each row that was written, an event to publish in the
    /// same commit as that row (null for none). In <see cref="BulkWriteMode.Insert"/> it may be asked before the
    /// write, for rows that are then refused (their events are dropped), so it must have no side effects.
    /// </summary>
    Task<BulkWriteResult> BulkWriteAsync<T>(
        IReadOnlyList<T> documents,
        BulkWriteMode mode,
        Func<T, BulkRowOutcome, IIntegrationEvent?>? eventFor = null,
        CancellationToken cancellationToken = default)
        where T : class, IDocument;

    /// <summary>Checks that the engine answers; throws <see cref="StoreUnavailableException"/> when it does not.</summary>
    Task PingAsync(CancellationToken cancellationToken = default);
}

/// <summary>A unit of work: reads see committed data; writes are staged and committed atomically, events included.</summary>
public interface IDocumentSession : IAsyncDisposable
{
    Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDocument;

    /// <summary>Loads the documents that exist among <paramref name="ids"/>, keyed by id.</summary>
    Task<IReadOnlyDictionary<string, T>> LoadManyAsync<T>(IEnumerable<string> ids, CancellationToken cancellationToken = default)
        where T : class, IDocument;

    IDocumentQuery<T> Query<T>()
        where T : class, IDocument;

    /// <summary>
    /// Stages an insert (when <see cref="IDocument.Version"/> is 0) or an update guarded by the version the
    /// document was loaded with. On commit a clash raises <see cref="DocumentConflictException"/>; on success the
    /// document's version is the stored one.
    /// </summary>
    void Store<T>(T document)
        where T : class, IDocument;

    /// <summary>Stages an insert or replace that ignores versions (last writer wins).</summary>
    void Upsert<T>(T document)
        where T : class, IDocument;

    /// <summary>Stages a delete. With <paramref name="expectedVersion"/>, a different stored version is a conflict.</summary>
    void Delete<T>(string id, long? expectedVersion = null)
        where T : class, IDocument;

    /// <summary>
    /// Stages atomic changes to fields of one document, applied against the stored value at commit time, so
    /// concurrent writers lose no increment. A patch of a missing document changes nothing.
    /// </summary>
    void Patch<T>(string id, Action<IDocumentPatch<T>> build)
        where T : class, IDocument;

    /// <summary>Stages an integration event; it reaches the outbox in the same commit as the staged changes.</summary>
    void Publish(IIntegrationEvent integrationEvent);

    /// <summary>
    /// Runs <paramref name="callback"/> once the next <see cref="SaveChangesAsync"/> has committed (never when it
    /// fails), for in-memory read models that must show only what the store holds. The callback must not throw.
    /// </summary>
    void AfterCommit(Action callback);

    /// <summary>Commits everything staged, atomically. Throws <see cref="DocumentConflictException"/> on a clash.</summary>
    Task SaveChangesAsync(CancellationToken cancellationToken = default);
}
