using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>A unit of work: reads go to pooled read connections; staged writes go to the writer as one unit.</summary>
internal sealed class SqliteSession(SqliteDocumentStore store) : IDocumentSession
{
    private readonly List<Action> _afterCommit = [];
    private readonly List<Func<StagedWrite>> _writes = [];
    private readonly Dictionary<(CollectionMap Map, string Id), int> _documentSlots = [];
    private readonly List<OutboxEntry> _events = [];

    public Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(id);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(Load<T>(store, store.Map(typeof(T)).LoadSql, id));
        }
        catch (Exception exception)
        {
            return Faulted<T?>(exception);
        }
    }

    /// <summary>One row by id, deserialised from SQLite's own buffer (no copy of the JSON, no ADO.NET reader).</summary>
    private static T? Load<T>(SqliteDocumentStore store, string sql, string id)
        where T : class, IDocument
    {
        using var activity = StoreTelemetry.StartQuery(sql);
        var started = Stopwatch.GetTimestamp();
        T? document = null;
        using (var connection = store.RentRead())
        {
            var statement = connection.Statement(sql);
            try
            {
                statement.Bind(1, id);
                if (statement.Step())
                {
                    document = Materialize(statement.ColumnBytes(1), statement.ColumnInt64(0), DocumentJson.TypeInfo<T>());
                }
            }
            catch (SqliteException exception)
            {
                throw SqliteErrors.Map(exception);
            }
            finally
            {
                statement.Reset();
            }
        }

        StoreTelemetry.QueryDuration.Record(SqliteDocumentStore.ElapsedMilliseconds(started));
        activity?.SetTag("crm.store.rows", document is null ? 0 : 1);
        return document;
    }

    public Task<IReadOnlyDictionary<string, T>> LoadManyAsync<T>(IEnumerable<string> ids, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(ids);
        var map = store.Map(typeof(T));
        var parameters = new SqlParameters();
        parameters.Add(SqlValue.ArrayJson(ids, null, out _));
        try
        {
            var documents = Read<T>(store, map.LoadManySql, parameters, cancellationToken);
            var byId = new Dictionary<string, T>(documents.Count, StringComparer.Ordinal);
            foreach (var document in documents)
            {
                byId[document.Id] = document;
            }

            return Task.FromResult<IReadOnlyDictionary<string, T>>(byId);
        }
        catch (Exception exception)
        {
            return Faulted<IReadOnlyDictionary<string, T>>(exception);
        }
    }

    public IDocumentQuery<T> Query<T>()
        where T : class, IDocument =>
        new SqliteQuery<T>(store, store.Map(typeof(T)));

    public void Store<T>(T document)
        where T : class, IDocument
    {
        var map = Validate(document);
        Stage(map, document.Id, () => new StoreWrite(map, document, Serialize(document)));
    }

    public void Upsert<T>(T document)
        where T : class, IDocument
    {
        var map = Validate(document);
        Stage(map, document.Id, () => new UpsertWrite(map, document, Serialize(document)));
    }

    public void Delete<T>(string id, long? expectedVersion = null)
        where T : class, IDocument
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var map = store.Map(typeof(T));
        _writes.Add(() => new DeleteWrite(map, id, expectedVersion));
    }

    public void Patch<T>(string id, Action<IDocumentPatch<T>> build)
        where T : class, IDocument
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(build);
        var map = store.Map(typeof(T));
        var patch = new DocumentPatch<T>();
        build(patch);
        if (patch.Changes.Count > 0)
        {
            _writes.Add(() => new PatchWrite(map, id, patch.Changes, patch.Paths));
        }
    }

    public void Publish(IIntegrationEvent integrationEvent)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        _events.Add(OutboxEntry.From(integrationEvent));
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

        // Documents are serialised here, on the caller's thread, so the writer only binds bytes.
        var writes = new List<StagedWrite>(_writes.Count);
        foreach (var write in _writes)
        {
            writes.Add(write());
        }

        await store.WriteAsync(new SessionUnit(writes, [.. _events], cancellationToken)).ConfigureAwait(false);
        _writes.Clear();
        _documentSlots.Clear();
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

    /// <summary>
    /// Reads every row of <paramref name="sql"/>. SQLite runs in-process and Microsoft.Data.Sqlite's async methods
    /// complete synchronously anyway, so reads are plain synchronous code: cheaper, and fast from the first call
    /// rather than after the JIT has promoted a chain of async state machines.
    /// </summary>
    internal static List<T> Read<T>(SqliteDocumentStore store, string sql, SqlParameters parameters, CancellationToken cancellationToken)
        where T : class, IDocument
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var activity = StoreTelemetry.StartQuery(sql);
        var started = Stopwatch.GetTimestamp();
        var typeInfo = DocumentJson.TypeInfo<T>();
        var documents = new List<T>();
        using (var connection = store.RentRead())
        {
            var command = connection.Command(sql, parameters);
            try
            {
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    documents.Add(Materialize(reader, typeInfo));
                }
            }
            catch (SqliteException exception)
            {
                throw SqliteErrors.Map(exception);
            }
        }

        StoreTelemetry.QueryDuration.Record(SqliteDocumentStore.ElapsedMilliseconds(started));
        activity?.SetTag("crm.store.rows", documents.Count);
        return documents;
    }

    /// <summary>The task an async method would have returned for <paramref name="exception"/>.</summary>
    internal static Task<TResult> Faulted<TResult>(Exception exception)
    {
        var completion = new TaskCompletionSource<TResult>();
        if (exception is OperationCanceledException canceled)
        {
            completion.SetCanceled(canceled.CancellationToken);
        }
        else
        {
            completion.SetException(exception);
        }

        return completion.Task;
    }

    internal static T Materialize<T>(SqliteDataReader reader, JsonTypeInfo<T> typeInfo)
        where T : class, IDocument =>
        Materialize(reader.GetFieldValue<byte[]>(1), reader.GetInt64(0), typeInfo);

    /// <summary>A stored row as its document: the JSON, with the version from its own column.</summary>
    private static T Materialize<T>(ReadOnlySpan<byte> json, long version, JsonTypeInfo<T> typeInfo)
        where T : class, IDocument
    {
        var document = JsonSerializer.Deserialize(json, typeInfo)
                       ?? throw new InvalidOperationException("A stored document is JSON null.");
        document.Version = version;
        return document;
    }

    internal static async IAsyncEnumerable<T> StreamAsync<T>(
        SqliteDocumentStore store,
        string sql,
        SqlParameters parameters,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IDocument
    {
        var typeInfo = DocumentJson.TypeInfo<T>();
        using var connection = store.RentRead();
        var command = connection.Command(sql, parameters);
        SqliteDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Map(exception);
        }

        await using (reader.ConfigureAwait(false))
        {
            while (true)
            {
                T document;
                try
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        yield break;
                    }

                    document = Materialize(reader, typeInfo);
                }
                catch (SqliteException exception)
                {
                    throw SqliteErrors.Map(exception);
                }

                yield return document;
            }
        }
    }

    private CollectionMap Validate<T>(T document)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(document);
        if (string.IsNullOrEmpty(document.Id))
        {
            throw new ArgumentException($"A {typeof(T).Name} needs an Id before it is stored (DocumentId.New()).", nameof(document));
        }

        return store.Map(typeof(T));
    }

    /// <summary>Storing the same document twice in one session keeps the last staging only.</summary>
    private void Stage(CollectionMap map, string id, Func<StagedWrite> write)
    {
        if (_documentSlots.TryGetValue((map, id), out var slot))
        {
            _writes[slot] = write;
            return;
        }

        _documentSlots[(map, id)] = _writes.Count;
        _writes.Add(write);
    }

    private static byte[] Serialize<T>(T document)
        where T : class, IDocument =>
        JsonSerializer.SerializeToUtf8Bytes(document, DocumentJson.TypeInfo<T>());
}
