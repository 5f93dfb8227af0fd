using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using MongoDB.Bson;
using MongoDB.Driver;
using BulkWriteError = Crm.SharedKernel.Documents.BulkWriteError;
using BulkWriteResult = Crm.SharedKernel.Documents.BulkWriteResult;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// Unordered bulk writes in chunks. Without events a chunk is one bulk write whose duplicate-key rows are reported
/// and the rest kept. With events a chunk's rows and their events commit in one transaction; a duplicate key aborts
/// a transaction on the server, so the offending rows are reported, dropped, and the chunk is tried again.
/// </summary>
internal sealed class MongoBulkWriter<T>(
    MongoDocumentStore store,
    MongoCollectionBinding<T> binding,
    BulkWriteMode mode,
    Func<T, BulkRowOutcome, IIntegrationEvent?>? eventFor)
    where T : class, IDocument
{
    private const int ChunkSize = 1000;
    private static readonly BulkWriteOptions Unordered = new() { IsOrdered = false };
    private readonly List<BulkWriteError> _errors = [];
    private int _inserted;
    private int _updated;

    public async Task<BulkWriteResult> WriteAsync(IReadOnlyList<T> documents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        for (var offset = 0; offset < documents.Count; offset += ChunkSize)
        {
            var rows = Enumerable.Range(offset, Math.Min(ChunkSize, documents.Count - offset))
                .Select(i => new Row(i, documents[i]))
                .ToList();
            foreach (var row in rows.Where(r => string.IsNullOrEmpty(r.Document.Id)))
            {
                row.Document.Id = DocumentId.New(store.Time);
            }

            var written = eventFor is null
                ? await WriteChunkAsync(rows, cancellationToken)
                : await WriteChunkWithEventsAsync(rows, cancellationToken);
            foreach (var (row, outcome, version) in written)
            {
                row.Document.Version = version;
                _ = outcome == BulkRowOutcome.Inserted ? _inserted++ : _updated++;
            }
        }

        return new BulkWriteResult(_inserted, _updated, _errors.OrderBy(e => e.Index).ToList());
    }

    private async Task<IReadOnlyList<Written>> WriteChunkAsync(List<Row> rows, CancellationToken cancellationToken)
    {
        IReadOnlyList<Written> written = [];
        await store.WriteAsync(
            "bulk_write",
            transactional: false,
            rows.Count,
            async (session, ct) =>
            {
                var (ok, duplicates) = await BulkAsync(session, rows, ct);
                Report(duplicates);
                written = await WithVersionsAsync(session, ok, ct);
            },
            cancellationToken);
        return written;
    }

    private async Task<IReadOnlyList<Written>> WriteChunkWithEventsAsync(List<Row> rows, CancellationToken cancellationToken)
    {
        while (rows.Count > 0)
        {
            IReadOnlyList<Written> written = [];
            try
            {
                await store.WriteAsync(
                    "bulk_write",
                    transactional: true,
                    rows.Count,
                    async (session, ct) =>
                    {
                        var (ok, duplicates) = await BulkAsync(session, rows, ct);
                        if (duplicates.Count > 0)
                        {
                            throw new ChunkRejected(duplicates);
                        }

                        written = await WithVersionsAsync(session, ok, ct);
                        var events = written
                            .Select(w => eventFor!(w.Row.Document, w.Outcome))
                            .OfType<IIntegrationEvent>()
                            .ToList();
                        await store.AppendOutboxAsync(session, events, ct);
                    },
                    cancellationToken);
                return written;
            }
            catch (ChunkRejected rejected)
            {
                Report(rejected.Duplicates);
                var dropped = rejected.Duplicates.Select(d => d.Row.Index).ToHashSet();
                rows = rows.Where(r => !dropped.Contains(r.Index)).ToList();
            }
        }

        return [];
    }

    /// <summary>One unordered bulk write; the rows it wrote with their outcome, and the rows refused for a duplicate key.</summary>
    private async Task<(List<(Row Row, BulkRowOutcome Outcome)> Ok, List<Duplicate> Duplicates)> BulkAsync(
        IClientSessionHandle session, List<Row> rows, CancellationToken cancellationToken)
    {
        var models = rows.Select(ToModel).ToList();
        BulkWriteResult<BsonDocument> result;
        IReadOnlyList<MongoDB.Driver.BulkWriteError> errors = [];
        IReadOnlyCollection<WriteModel<BsonDocument>> unprocessed = [];
        try
        {
            result = await binding.Raw.BulkWriteAsync(session, models, Unordered, cancellationToken);
        }
        catch (MongoBulkWriteException<BsonDocument> ex) when (ex.WriteConcernError is null
                                                              && IsDuplicateRejection(ex.WriteErrors, session.IsInTransaction))
        {
            result = ex.Result;
            errors = ex.WriteErrors;
            unprocessed = ex.UnprocessedRequests.ToHashSet();
        }

        var refused = errors.ToDictionary(e => e.Index);
        var upserted = result.Upserts.Select(u => u.Index).ToHashSet();
        var ok = new List<(Row, BulkRowOutcome)>();
        var duplicates = new List<Duplicate>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (refused.TryGetValue(i, out var error))
            {
                if (error.Category == ServerErrorCategory.DuplicateKey)
                {
                    duplicates.Add(new Duplicate(rows[i], MongoErrors.AsDuplicateKey(error)));
                }
            }
            else if (!unprocessed.Contains(models[i]))
            {
                ok.Add((rows[i], mode == BulkWriteMode.Insert || upserted.Contains(i) ? BulkRowOutcome.Inserted : BulkRowOutcome.Updated));
            }
        }

        return (ok, duplicates);
    }

    /// <summary>
    /// Outside a transaction every row was tried, so any other error is real. Inside one, the first duplicate aborts
    /// the transaction and the server may fail later rows for that reason alone; those rows are tried again once the
    /// duplicates are dropped, and a real error then surfaces on its own.
    /// </summary>
    private static bool IsDuplicateRejection(IReadOnlyList<MongoDB.Driver.BulkWriteError> errors, bool inTransaction) =>
        inTransaction
            ? errors.Any(e => e.Category == ServerErrorCategory.DuplicateKey)
            : errors.All(e => e.Category == ServerErrorCategory.DuplicateKey);

    private WriteModel<BsonDocument> ToModel(Row row)
    {
        var document = binding.ToBson(row.Document);
        if (mode == BulkWriteMode.Insert)
        {
            document["version"] = 1L;
            return new InsertOneModel<BsonDocument>(document);
        }

        return new UpdateOneModel<BsonDocument>(new BsonDocument("_id", row.Document.Id), UpsertWrite<T>.Replacement(document))
        {
            IsUpsert = true,
        };
    }

    /// <summary>An inserted row is at version 1; an upserted one is at whatever version it had plus one, read back in the same session.</summary>
    private async Task<IReadOnlyList<Written>> WithVersionsAsync(
        IClientSessionHandle session, List<(Row Row, BulkRowOutcome Outcome)> ok, CancellationToken cancellationToken)
    {
        if (mode == BulkWriteMode.Insert || ok.Count == 0)
        {
            return ok.Select(w => new Written(w.Row, w.Outcome, 1)).ToList();
        }

        var ids = new BsonArray(ok.Select(w => w.Row.Document.Id));
        var stored = await binding.Raw
            .Find(session, new BsonDocument("_id", new BsonDocument("$in", ids)))
            .Project(new BsonDocument("version", 1))
            .ToListAsync(cancellationToken);
        var versions = stored.ToDictionary(d => d["_id"].AsString, d => d["version"].ToInt64(), StringComparer.Ordinal);
        return ok.Select(w => new Written(w.Row, w.Outcome, versions.GetValueOrDefault(w.Row.Document.Id, 1))).ToList();
    }

    private void Report(IEnumerable<Duplicate> duplicates)
    {
        foreach (var (row, duplicate) in duplicates)
        {
            var conflict = store.DuplicateKeyConflict(binding, row.Document.Id, duplicate);
            _errors.Add(new BulkWriteError(row.Index, row.Document.Id, ConflictKind.DuplicateKey, conflict.Message));
        }
    }

    private sealed record Row(int Index, T Document);

    private sealed record Written(Row Row, BulkRowOutcome Outcome, long Version);

    private sealed record Duplicate(Row Row, MongoErrors.DuplicateKey Key);

    /// <summary>Aborts a chunk's transaction so its duplicate rows can be dropped and the rest tried again.</summary>
    private sealed class ChunkRejected(IReadOnlyList<Duplicate> duplicates) : Exception("The chunk holds duplicate keys.")
    {
        public IReadOnlyList<Duplicate> Duplicates { get; } = duplicates;
    }
}
