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

    /// <summary>
    /// The update document, raising the stored version with the changes. Steps on the same field are merged as if
    /// applied in turn, as the SQLite engine applies them: the driver's Combine keeps only the last value of a field
    /// per operator, so two increments of one field would lose the first.
    /// </summary>
    public BsonDocument Render()
    {
        var rendered = new BsonDocument();
        foreach (var step in _steps)
        {
            var part = MongoQuerySubset.Translate(
                () => step.Render(binding.RenderArgs).AsBsonDocument,
                Expression.Constant(typeof(T).Name + " patch"));
            foreach (var change in part)
            {
                foreach (var field in change.Value.AsBsonDocument)
                {
                    Merge(rendered, change.Name, field.Name, field.Value);
                }
            }
        }

        Merge(rendered, "$inc", "version", 1L);
        return rendered;
    }

    private static void Merge(BsonDocument update, string op, string field, BsonValue value)
    {
        // $set and $unset are one kind of change: the later one wins.
        var opposite = op switch { "$set" => "$unset", "$unset" => "$set", _ => null };
        if (opposite is not null && update.TryGetValue(opposite, out var other))
        {
            other.AsBsonDocument.Remove(field);
            if (other.AsBsonDocument.ElementCount == 0)
            {
                update.Remove(opposite);
            }
        }

        if (update.Elements.Any(e => e.Name != op && e.Value.AsBsonDocument.Contains(field)))
        {
            throw new UnsupportedQueryException(
                $"A {typeof(T).Name} patch changes '{field}' in two different ways; one patch may increment, set or raise a field, not several of these.");
        }

        if (!update.TryGetValue(op, out var fields))
        {
            update[op] = new BsonDocument(field, value);
            return;
        }

        var byField = fields.AsBsonDocument;
        byField[field] = !byField.TryGetValue(field, out var earlier) ? value : op switch
        {
            "$inc" => Sum(earlier, value, field),
            "$max" => earlier.CompareTo(value) >= 0 ? earlier : value,
            _ => value,
        };
    }

    private static BsonValue Sum(BsonValue earlier, BsonValue later, string field) => (earlier, later) switch
    {
        (BsonInt32 a, BsonInt32 b) => new BsonInt32(unchecked(a.Value + b.Value)),
        (BsonInt64 a, BsonInt64 b) => new BsonInt64(unchecked(a.Value + b.Value)),
        (BsonDouble a, BsonDouble b) => new BsonDouble(a.Value + b.Value),
        (BsonDecimal128 a, BsonDecimal128 b) => new BsonDecimal128((decimal)a.Value + (decimal)b.Value),
        _ => throw new UnsupportedQueryException($"A {typeof(T).Name} patch increments '{field}' by values of two kinds ({earlier.BsonType}, {later.BsonType})."),
    };

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
