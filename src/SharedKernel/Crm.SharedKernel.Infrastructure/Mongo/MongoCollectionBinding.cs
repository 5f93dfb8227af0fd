using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Crm.SharedKernel.Documents;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>One declared collection as the MongoDB engine sees it: its driver collections and its rendered indexes.</summary>
internal abstract class MongoCollectionBinding
{
    private const string UniquePrefix = "ux_";
    private const string PlainPrefix = "ix_";

    protected MongoCollectionBinding(DocumentCollection declared, IMongoDatabase database)
    {
        Name = declared.Name;
        Raw = database.GetCollection<BsonDocument>(declared.Name);
    }

    public string Name { get; }

    /// <summary>Writes go through BSON documents, so the version field and pipeline updates are the engine's, not the type's.</summary>
    public IMongoCollection<BsonDocument> Raw { get; }

    public abstract IReadOnlyList<MongoIndex> Indexes { get; }

    public static string UniqueIndexName(string path) => UniquePrefix + path;

    public static MongoCollectionBinding Create(DocumentCollection declared, IMongoDatabase database)
    {
        try
        {
            return (MongoCollectionBinding)Activator.CreateInstance(
                typeof(MongoCollectionBinding<>).MakeGenericType(declared.DocumentType), declared, database)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }

    /// <summary>The field path of the unique index the server named in a duplicate-key error; null for the id.</summary>
    public string? IndexPathOf(string? indexName) =>
        indexName is not null && indexName.StartsWith(UniquePrefix, StringComparison.Ordinal)
            ? indexName[UniquePrefix.Length..]
            : null;

    protected static MongoIndex IndexOf(string path, bool unique) =>
        new(unique ? UniquePrefix + path : PlainPrefix + path, path, unique);
}

internal sealed record MongoIndex(string Name, string Path, bool Unique)
{
    /// <summary>
    /// Unique indexes cover only documents that hold the value: nulls are never written, so any number of documents
    /// may lack it, as on the SQLite engine.
    /// </summary>
    public CreateIndexModel<BsonDocument> ToModel() => new(
        new BsonDocument(Path, 1),
        new CreateIndexOptions<BsonDocument>
        {
            Name = Name,
            Unique = Unique,
            PartialFilterExpression = Unique ? new BsonDocument(Path, new BsonDocument("$exists", true)) : null,
        });
}

internal sealed class MongoCollectionBinding<T> : MongoCollectionBinding
    where T : class, IDocument
{
    public MongoCollectionBinding(DocumentCollection declared, IMongoDatabase database)
        : base(declared, database)
    {
        MongoConventions.RegisterDocumentType(typeof(T));
        Serializer = BsonSerializer.LookupSerializer<T>();
        RenderArgs = new RenderArgs<T>(Serializer, BsonSerializer.SerializerRegistry);
        Documents = database.GetCollection<T>(declared.Name);
        Indexes = declared.Indexes.Select(index => IndexOf(FieldOf(index.Path), index.Unique)).DistinctBy(i => i.Name).ToList();
    }

    public IMongoCollection<T> Documents { get; }

    public IBsonSerializer<T> Serializer { get; }

    public RenderArgs<T> RenderArgs { get; }

    public override IReadOnlyList<MongoIndex> Indexes { get; }

    /// <summary>The stored field path of a member path lambda, as the driver's LINQ provider renders it.</summary>
    public string FieldOf(LambdaExpression path)
    {
        MongoQuerySubset.EnsurePath(path, "index or field");
        return MongoQuerySubset.Translate(() => new ExpressionFieldDefinition<T>(path).Render(RenderArgs).FieldName, path);
    }

    public RenderedFieldDefinition<TValue> Field<TValue>(Expression<Func<T, TValue>> path, string role)
    {
        MongoQuerySubset.EnsurePath(path, role);
        return MongoQuerySubset.Translate(() => new ExpressionFieldDefinition<T, TValue>(path).Render(RenderArgs), path);
    }

    public BsonDocument ToBson(T document) => document.ToBsonDocument(Serializer);

    /// <summary>
    /// An inclusion projection of the top-level fields <paramref name="projection"/> reads; null when it uses the
    /// document otherwise (passes it to a method, say) and so needs all of it.
    /// </summary>
    public BsonDocument? FieldsReadBy(LambdaExpression projection)
    {
        var reader = new TopLevelMembers(projection.Parameters[0]);
        reader.Visit(projection.Body);
        if (reader.UsesWholeDocument)
        {
            return null;
        }

        var classMap = BsonClassMap.LookupClassMap(typeof(T));
        var fields = new BsonDocument("_id", 1);
        foreach (var member in reader.Members)
        {
            if (classMap.AllMemberMaps.FirstOrDefault(m => m.MemberName == member) is not { } map)
            {
                return null;
            }

            fields[map.ElementName] = 1;
        }

        return fields;
    }

    private sealed class TopLevelMembers(ParameterExpression document) : System.Linq.Expressions.ExpressionVisitor
    {
        public HashSet<string> Members { get; } = [];

        public bool UsesWholeDocument { get; private set; }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression == document)
            {
                Members.Add(node.Member.Name);
                return node;
            }

            return base.VisitMember(node);
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            UsesWholeDocument |= node == document;
            return node;
        }
    }
}
