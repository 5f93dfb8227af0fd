using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.SharedKernel.Buffers;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Serialization;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>What a unit sees while the writer runs it inside the group's transaction.</summary>
internal sealed class WriteContext(SQLitePCL.sqlite3 db, TimeProvider time) : IDisposable
{
    private readonly Dictionary<CollectionMap, CollectionStatements> _statements = [];
    private RawStatement? _outboxInsert;
    private RawStatement? _markDispatched;

    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _jsonWriter = new(new ArrayBufferWriter<byte>(1), new JsonWriterOptions { SkipValidation = true, Encoder = CrmJson.Options.Encoder });

    public TimeProvider Time { get; } = time;

    public CollectionStatements For(CollectionMap map)
    {
        if (!_statements.TryGetValue(map, out var statements))
        {
            statements = new CollectionStatements(db, map);
            _statements[map] = statements;
        }

        return statements;
    }

    /// <summary>Stores <paramref name="entries"/>, published by one commit: one row for one event, one batch row for several.</summary>
    public void InsertOutbox(IReadOnlyList<OutboxEntry> entries)
    {
        foreach (var part in entries.Chunk(OutboxBatch.MaxEvents))
        {
            if (part.Length == 1)
            {
                InsertOutbox(part[0], part[0].Payload);
                continue;
            }

            using var payload = new PooledBufferWriter(part.Length * 1024);
            OutboxBatch.Write(payload, part);
            var first = part[0];
            InsertOutbox(new OutboxEntry(first.EventId, OutboxBatch.EventType, string.Empty, first.OccurredAt, []), payload.WrittenSpan);
        }
    }

    /// <summary>Stores a batch row whose array <paramref name="payload"/> the caller wrote; its first event gives the row's id and time.</summary>
    public void InsertOutboxBatch(Guid firstEventId, DateTimeOffset firstOccurredAt, ReadOnlySpan<byte> payload) =>
        InsertOutbox(new OutboxEntry(firstEventId.ToString("D"), OutboxBatch.EventType, string.Empty, CrmJson.FormatUtc(firstOccurredAt), []), payload);

    private void InsertOutbox(OutboxEntry entry, ReadOnlySpan<byte> payload)
    {
        var statement = _outboxInsert ??= new RawStatement(db,
            $"INSERT INTO {SqliteDocumentStore.OutboxTable} (event_id, event_type, aggregate_id, occurred_at, payload) VALUES (?1, ?2, ?3, ?4, ?5)");
        statement.Bind(1, entry.EventId);
        statement.Bind(2, entry.EventType);
        statement.Bind(3, entry.AggregateId);
        statement.Bind(4, entry.OccurredAt);
        statement.BindUtf8(5, payload);
        statement.Execute();
    }

    public void MarkDispatched(string sequencesJson, string dispatchedAt)
    {
        var statement = _markDispatched ??= new RawStatement(db,
            $"UPDATE {SqliteDocumentStore.OutboxTable} SET dispatched_at = ?2 WHERE seq IN (SELECT value FROM json_each(?1)) AND dispatched_at IS NULL");
        statement.Bind(1, sequencesJson);
        statement.Bind(2, dispatchedAt);
        statement.Execute();
    }

    /// <summary>Serialises <paramref name="node"/> into the shared buffer and returns its bytes (valid until the next call).</summary>
    public ReadOnlySpan<byte> Write(JsonNode node)
    {
        _buffer.ResetWrittenCount();
        _jsonWriter.Reset(_buffer);
        node.WriteTo(_jsonWriter, DocumentJson.Options);
        _jsonWriter.Flush();
        return _buffer.WrittenSpan;
    }

    public void Dispose()
    {
        foreach (var statements in _statements.Values)
        {
            statements.Dispose();
        }

        _outboxInsert?.Dispose();
        _markDispatched?.Dispose();
        _jsonWriter.Dispose();
    }
}

/// <summary>An event serialised with its runtime type, ready for the outbox.</summary>
internal sealed record OutboxEntry(string EventId, string EventType, string AggregateId, string OccurredAt, byte[] Payload)
{
    public static OutboxEntry From(IIntegrationEvent integrationEvent)
    {
        var type = integrationEvent.GetType();
        return new OutboxEntry(
            integrationEvent.EventId.ToString("D"),
            IntegrationEventRegistry.NameOf(type),
            integrationEvent.AggregateId,
            CrmJson.FormatUtc(integrationEvent.OccurredAt),
            JsonSerializer.SerializeToUtf8Bytes(integrationEvent, type, CrmJson.Options));
    }
}

/// <summary>One caller's work in a group commit. Runs inside its own savepoint; a conflict undoes only this unit.</summary>
internal abstract class WriteUnit(CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _completion.Task;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Rows this unit writes, so one group does not grow past a bulk batch.</summary>
    public virtual int Weight => 1;

    public abstract void Execute(WriteContext context);

    /// <summary>Runs after the transaction committed: hands new versions to the caller's objects.</summary>
    public virtual void Committed()
    {
    }

    public void Succeed() => _completion.TrySetResult();

    public void Fail(Exception exception) => _completion.TrySetException(exception);

    public void Cancel() => _completion.TrySetCanceled(CancellationToken);
}

/// <summary>A session's staged changes and events.</summary>
internal sealed class SessionUnit(List<StagedWrite> writes, List<OutboxEntry> events, CancellationToken cancellationToken)
    : WriteUnit(cancellationToken)
{
    public override int Weight => writes.Count + events.Count;

    public override void Execute(WriteContext context)
    {
        foreach (var write in writes)
        {
            write.Execute(context);
        }

        context.InsertOutbox(events);
    }

    public override void Committed()
    {
        foreach (var write in writes)
        {
            write.Committed();
        }
    }
}

internal sealed class MarkDispatchedUnit(string sequencesJson, CancellationToken cancellationToken) : WriteUnit(cancellationToken)
{
    public override void Execute(WriteContext context) =>
        context.MarkDispatched(sequencesJson, CrmJson.FormatUtc(context.Time.GetUtcNow()));
}

/// <summary>A staged change of one document.</summary>
internal abstract class StagedWrite(CollectionMap map, string id)
{
    public CollectionMap Map { get; } = map;

    public string Id { get; } = id;

    public abstract void Execute(WriteContext context);

    public virtual void Committed()
    {
    }

    protected DocumentConflictException VersionMismatch(string detail) =>
        new(ConflictKind.VersionMismatch, Map.Name, Id, null, $"The {Map.Name} document '{Id}' {detail}.");

    protected int Run(RawStatement statement)
    {
        try
        {
            return statement.Execute();
        }
        catch (SqliteException exception) when (SqliteErrors.IsConstraint(exception))
        {
            throw SqliteErrors.Conflict(exception, Map, Id);
        }
    }
}

/// <summary>Insert when the document was never stored, else an update guarded by the version it was loaded with.</summary>
internal sealed class StoreWrite(CollectionMap map, IDocument document, byte[] json) : StagedWrite(map, document.Id)
{
    private readonly long _expected = document.Version;

    public override void Execute(WriteContext context)
    {
        var statements = context.For(Map);
        if (_expected == 0)
        {
            var insert = statements.Insert;
            insert.Bind(1, Id);
            insert.BindUtf8(2, json);
            Run(insert);
            return;
        }

        var (stored, changed) = statements.ProbeFor(Id, json);
        if (stored != _expected)
        {
            throw VersionMismatch($"is no longer at version {_expected} (changed or deleted by another writer)");
        }

        var update = statements.GuardedRewrite(changed);
        update.Bind(1, Id);
        update.BindUtf8(2, json);
        update.Bind(3, _expected);
        if (Run(update) == 0)
        {
            throw VersionMismatch($"is no longer at version {_expected} (changed or deleted by another writer)");
        }
    }

    public override void Committed() => document.Version = _expected + 1;
}

internal sealed class UpsertWrite(CollectionMap map, IDocument document, byte[] json) : StagedWrite(map, document.Id)
{
    private long _version;

    public override void Execute(WriteContext context)
    {
        try
        {
            _version = context.For(Map).Upsert(Id, json);
        }
        catch (SqliteException exception) when (SqliteErrors.IsConstraint(exception))
        {
            throw SqliteErrors.Conflict(exception, Map, Id);
        }
    }

    public override void Committed() => document.Version = _version;
}

internal sealed class DeleteWrite(CollectionMap map, string id, long? expectedVersion) : StagedWrite(map, id)
{
    public override void Execute(WriteContext context)
    {
        var statements = context.For(Map);
        if (expectedVersion is not { } expected)
        {
            var delete = statements.Delete;
            delete.Bind(1, Id);
            Run(delete);
            return;
        }

        var versioned = statements.DeleteVersioned;
        versioned.Bind(1, Id);
        versioned.Bind(2, expected);
        if (Run(versioned) == 0)
        {
            throw VersionMismatch($"is not at version {expected}, so it was not deleted");
        }
    }
}

/// <summary>Read-modify-write of the stored JSON by the single writer, so no concurrent change is lost.</summary>
internal sealed class PatchWrite(CollectionMap map, string id, List<Action<JsonObject>> changes, List<IReadOnlyList<object>> paths)
    : StagedWrite(map, id)
{
    private readonly ulong _affected = paths.Aggregate(0UL, (mask, path) => mask | map.AffectedBy(path));

    public override void Execute(WriteContext context)
    {
        var statements = context.For(Map);
        var select = statements.Select;
        JsonObject root;
        select.Bind(1, Id);
        try
        {
            if (!select.Step())
            {
                return;
            }

            root = JsonNode.Parse(select.ColumnBytes(1))!.AsObject();
        }
        finally
        {
            select.Reset();
        }

        foreach (var change in changes)
        {
            change(root);
        }

        var replace = statements.Rewrite(_affected);
        replace.Bind(1, Id);
        replace.BindUtf8(2, context.Write(root));
        Run(replace);
    }
}
