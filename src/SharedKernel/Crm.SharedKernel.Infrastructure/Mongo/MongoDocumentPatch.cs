using System.Linq.Expressions;
using Crm.SharedKernel.Documents;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// Builds one update document from the patch's steps. Values go through each field's serializer, so a decimal
/// increment is a Decimal128 <c>$inc</c> (exact on the server) and an enum is set as its name.
/// </summary>
internal sealed class MongoDocumentPatch<T>(MongoCollectionBinding<T> binding) : IDocumentPatch<T>
    where T : class, IDocument
{
    private static readonly UpdateDefinitionBuilder<T> Update = Builders<T>.Update;
    private readonly List<UpdateDefinition<T>> _steps = [];

    public bool IsEmpty => _steps.Count == 0;

    public IDocumentPatch<T> Increment(Expression<Func<T, int>> field, int by) => Add(field, Update.Inc(field, by));

    public IDocumentPatch<T> Increment(Expression<Func<T, long>> field, long by) => Add(field, Update.Inc(field, by));

    public IDocumentPatch<T> Increment(Expression<Func<T, decimal>> field, decimal by) => Add(field, Update.Inc(field, by));

    public IDocumentPatch<T> Increment(Expression<Func<T, double>> field, double by) => Add(field, Update.Inc(field, by));

    /// <summary>Setting null removes the field, as a null is never stored (a unique index skips a missing value only).</summary>
    public IDocumentPatch<T> Set<TValue>(Expression<Func<T, TValue>> field, TValue value) =>
        Add(field, value is null ? Update.Unset(new ExpressionFieldDefinition<T>(field)) : Update.Set(field, value));

    public IDocumentPatch<T> Max<TValue>(Expression<Func<T, TValue>> field, TValue value)
        where TValue : IComparable<TValue> =>
        Add(field, Update.Max(field, value));

    /// <summary>The update document, raising the stored version with the changes.</summary>
    public BsonDocument Render()
    {
        var rendered = MongoQuerySubset.Translate(
            () => Update.Combine(_steps).Render(binding.RenderArgs).AsBsonDocument,
            Expression.Constant(typeof(T).Name + " patch"));
        if (rendered.TryGetValue("$inc", out var increments))
        {
            increments.AsBsonDocument["version"] = 1L;
        }
        else
        {
            rendered["$inc"] = new BsonDocument("version", 1L);
        }

        return rendered;
    }

    private MongoDocumentPatch<T> Add(LambdaExpression field, UpdateDefinition<T> step)
    {
        MongoQuerySubset.EnsurePath(field, "patched field");

        // The server would refuse a change of _id, and a version changed here would defeat the version check.
        if (field.Body is MemberExpression { Expression: ParameterExpression, Member.Name: nameof(IDocument.Id) or nameof(IDocument.Version) } owned)
        {
            throw new UnsupportedQueryException($"'{field}': the store owns {owned.Member.Name}; it cannot be patched.");
        }

        _steps.Add(step);
        return this;
    }
}
