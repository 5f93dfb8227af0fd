using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>A unit of work: reads go to pooled read connections; staged writes go to the writer as one unit.</summary>
internal sealed class SqliteSession(SqliteDocumentStore store) : IDocumentSession
{
    private readonly List<Func<StagedWrite>> _writes = [];
    private readonly Dictionary<(CollectionMap Map, string Id), int> _documentSlots = [];
    private readonly List<OutboxEntry> _events = [];

    public async Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(id);
        var map = store.Map(typeof(T));
        var parameters = new SqlParameters();
        var sql = $"SELECT version, doc FROM {map.Table} WHERE id = {parameters.Add(id)}";
        var documents = await ReadAsync<T>(store, sql, parameters, cancellationToken).ConfigureAwait(false);
        return documents.Count == 0 ? null : documents[0];
    }

    public async Task<IReadOnlyDictionary<string, T>> LoadManyAsync<T>(IEnumerable<string> ids, CancellationToken cancellationToken = default)
        where T : class, IDocument
    {
        ArgumentNullException.ThrowIfNull(ids);
        var map = store.Map(typeof(T));
        var parameters = new SqlParameters();
        var json = SqlValue.ArrayJson(ids, null, out _);
        var sql = $"SELECT version, doc FROM {map.Table} WHERE id IN (SELECT value FROM json_each({parameters.Add(json)}))";
        var documents = await ReadAsync<T>(store, sql, parameters, cancellationToken).ConfigureAwait(false);
        var byId = new Dictionary<string, T>(documents.Count, StringComparer.Ordinal);
        foreach (var document in documents)
        {
            byId[document.Id] = document;
        }

        return byId;
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
            _writes.Add(() => new PatchWrite(map, id, patch.Changes));
        }
    }

    public void Publish(IIntegrationEvent integrationEvent)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        _events.Add(OutboxEntry.From(integrationEvent));
    }

    public async Task SaveChangesAsync(CancellationToken cancellationToken = default)
    {
        if (_writes.Count == 0 && _events.Count == 0)
        {
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
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static async Task<List<T>> ReadAsync<T>(SqliteDocumentStore store, string sql, SqlParameters parameters, CancellationToken cancellationToken)
        where T : class, IDocument
    {
        var started = Stopwatch.GetTimestamp();
        var documents = new List<T>();
        await foreach (var document in StreamAsync<T>(store, sql, parameters, cancellationToken).ConfigureAwait(false))
        {
            documents.Add(document);
        }

        StoreTelemetry.QueryDuration.Record(SqliteDocumentStore.ElapsedMilliseconds(started));
        return documents;
    }

    internal static async IAsyncEnumerable<T> StreamAsync<T>(
        SqliteDocumentStore store,
        string sql,
        SqlParameters parameters,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IDocument
    {
        var typeInfo = DocumentJson.TypeInfo<T>();
        await using var connection = await store.OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        parameters.BindTo(command);
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

                    document = JsonSerializer.Deserialize(reader.GetFieldValue<byte[]>(1), typeInfo)
                               ?? throw new InvalidOperationException("A stored document is JSON null.");
                    document.Version = reader.GetInt64(0);
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

    internal static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
