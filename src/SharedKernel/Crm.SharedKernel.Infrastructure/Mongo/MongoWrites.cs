using Crm.SharedKernel.Documents;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// One staged change of a session. <see cref="ExecuteAsync"/> may run more than once (a transaction retried after a
/// write conflict), so it computes and holds its outcome without touching the caller's document;
/// <see cref="Complete"/> applies the outcome once the commit has succeeded.
/// </summary>
internal abstract class MongoWrite(MongoCollectionBinding binding, string id)
{
    public MongoCollectionBinding Binding { get; } = binding;

    public string Id { get; } = id;

    public async Task ExecuteAsync(MongoDocumentStore store, IClientSessionHandle session, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteCoreAsync(session, cancellationToken);
        }
        catch (Exception ex) when (MongoErrors.AsDuplicateKey(ex) is { } duplicate)
        {
            throw store.DuplicateKeyConflict(Binding, Id, duplicate);
        }
    }

    public virtual void Complete()
    {
    }

    protected abstract Task ExecuteCoreAsync(IClientSessionHandle session, CancellationToken cancellationToken);

    protected BsonDocument ById() => new("_id", Id);

    protected BsonDocument ById(long version) => new() { { "_id", Id }, { "version", version } };

    protected DocumentConflictException VersionMismatch(long expected) => new(
        ConflictKind.VersionMismatch,
        Binding.Name,
        Id,
        null,
        $"{Binding.Name}/{Id} was changed or deleted by another writer since it was read at version {expected}.");
}

/// <summary>An insert (version 0) or a replace guarded by the version the document was read at.</summary>
internal sealed class StoreWrite<T>(MongoCollectionBinding<T> binding, T document) : MongoWrite(binding, document.Id)
    where T : class, IDocument
{
    private long _newVersion;

    public T Document { get; } = document;

    public override void Complete() => Document.Version = _newVersion;

    protected override async Task ExecuteCoreAsync(IClientSessionHandle session, CancellationToken cancellationToken)
    {
        var expected = Document.Version;
        var stored = binding.ToBson(Document);
        stored["version"] = expected + 1;
        if (expected == 0)
        {
            await binding.Raw.InsertOneAsync(session, stored, cancellationToken: cancellationToken);
        }
        else
        {
            var result = await binding.Raw.ReplaceOneAsync(session, ById(expected), stored, cancellationToken: cancellationToken);
            if (result.MatchedCount == 0)
            {
                throw VersionMismatch(expected);
            }
        }

        _newVersion = expected + 1;
    }
}

/// <summary>Insert or replace whatever the stored version; the stored version still rises by one.</summary>
internal sealed class UpsertWrite<T>(MongoCollectionBinding<T> binding, T document) : MongoWrite(binding, document.Id)
    where T : class, IDocument
{
    private static readonly ProjectionDefinition<BsonDocument> VersionOnly = new BsonDocument("version", 1);
    private long _newVersion;

    public T Document { get; } = document;

    public override void Complete() => Document.Version = _newVersion;

    /// <summary>
    /// A replacement cannot raise a counter, so the write is a pipeline update that replaces the document with the
    /// new one (as a literal: a stored string that starts with '$' must not read as a field path) plus the stored
    /// version + 1. An insert of the same id by a concurrent upsert is retried by the server.
    /// </summary>
    public static UpdateDefinition<BsonDocument> Replacement(BsonDocument document)
    {
        document.Remove("version");
        var nextVersion = new BsonDocument("$add", new BsonArray
        {
            new BsonDocument("$ifNull", new BsonArray { "$version", new BsonInt64(0) }),
            new BsonInt64(1),
        });
        var stage = new BsonDocument(
            "$replaceWith",
            new BsonDocument("$mergeObjects", new BsonArray
            {
                new BsonDocument("$literal", document),
                new BsonDocument("version", nextVersion),
            }));
        return new PipelineUpdateDefinition<BsonDocument>(PipelineDefinition<BsonDocument, BsonDocument>.Create([stage]));
    }

    protected override async Task ExecuteCoreAsync(IClientSessionHandle session, CancellationToken cancellationToken)
    {
        var stored = await binding.Raw.FindOneAndUpdateAsync(
            session,
            ById(),
            Replacement(binding.ToBson(Document)),
            new FindOneAndUpdateOptions<BsonDocument>
            {
                IsUpsert = true,
                ReturnDocument = ReturnDocument.After,
                Projection = VersionOnly,
            },
            cancellationToken);
        _newVersion = stored["version"].ToInt64();
    }
}

internal sealed class DeleteWrite(MongoCollectionBinding binding, string id, long? expectedVersion) : MongoWrite(binding, id)
{
    protected override async Task ExecuteCoreAsync(IClientSessionHandle session, CancellationToken cancellationToken)
    {
        var filter = expectedVersion is { } version ? ById(version) : ById();
        var result = await Binding.Raw.DeleteOneAsync(session, filter, cancellationToken: cancellationToken);
        if (expectedVersion is { } expected && result.DeletedCount == 0)
        {
            throw VersionMismatch(expected);
        }
    }
}

/// <summary>Field operators applied by the server against the stored document; a missing document is left missing.</summary>
internal sealed class PatchWrite(MongoCollectionBinding binding, string id, BsonDocument update) : MongoWrite(binding, id)
{
    protected override Task ExecuteCoreAsync(IClientSessionHandle session, CancellationToken cancellationToken) =>
        Binding.Raw.UpdateOneAsync(session, ById(), update, cancellationToken: cancellationToken);
}
