using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Crm.SharedKernel.Documents;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// A query handed to the driver: each predicate is checked against the port's subset and rendered by the driver's
/// LINQ provider when it is added, so an unsupported construct fails at the call that added it.
/// </summary>
internal sealed class MongoDocumentQuery<T>(MongoDocumentStore store, MongoCollectionBinding<T> binding) : IDocumentQuery<T>
    where T : class, IDocument
{
    private readonly List<BsonDocument> _filters = [];
    private readonly List<SortKey> _sort = [];
    private readonly QueryPaging _paging = new();

    public IDocumentQuery<T> Where(Expression<Func<T, bool>> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        MongoQuerySubset.EnsurePredicate(predicate);
        _filters.Add(MongoQuerySubset.Translate(() => Builders<T>.Filter.Where(predicate).Render(binding.RenderArgs), predicate));
        return this;
    }

    public IDocumentQuery<T> OrderBy<TKey>(Expression<Func<T, TKey>> key) => AddSort(key, descending: false);

    public IDocumentQuery<T> OrderByDescending<TKey>(Expression<Func<T, TKey>> key) => AddSort(key, descending: true);

    public IDocumentQuery<T> After(params object?[] keys)
    {
        _paging.SetAfter(keys);
        return this;
    }

    public IDocumentQuery<T> Skip(int count)
    {
        _paging.SetSkip(count);
        return this;
    }

    public IDocumentQuery<T> Take(int count)
    {
        _paging.SetTake(count);
        return this;
    }

    public async Task<IReadOnlyList<T>> ToListAsync(CancellationToken cancellationToken = default) =>
        _paging.TakesNothing ? [] : await store.ReadAsync("query", binding.Name, ct => Find().ToListAsync(ct), cancellationToken);

    /// <summary>
    /// The projection runs here, as compiled C#, so it means what it says on both engines (the server's $concat or
    /// $toString would treat nulls and numbers its own way); only the top-level fields it reads are fetched.
    /// </summary>
    public async Task<IReadOnlyList<TResult>> SelectAsync<TResult>(
        Expression<Func<T, TResult>> projection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(projection);
        if (_paging.TakesNothing)
        {
            return [];
        }

        var select = projection.Compile();
        var find = binding.FieldsReadBy(projection) is { } fields ? Find().Project<T>(fields) : Find();
        var documents = await store.ReadAsync("select", binding.Name, ct => find.ToListAsync(ct), cancellationToken);
        return documents.Select(select).ToList();
    }

    public async Task<T?> FirstOrDefaultAsync(CancellationToken cancellationToken = default) =>
        _paging.TakesNothing
            ? null
            : await store.ReadAsync<T?>("first", binding.Name, async ct => await Find().Limit(1).FirstOrDefaultAsync(ct), cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        store.ReadAsync("count", binding.Name, ct => binding.Documents.CountDocumentsAsync(Filter(), cancellationToken: ct), cancellationToken);

    public async IAsyncEnumerable<T> StreamAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_paging.TakesNothing)
        {
            yield break;
        }

        var cursor = await store.ReadAsync("stream", binding.Name, ct => Find().ToCursorAsync(ct), cancellationToken);
        using (cursor)
        {
            while (await NextBatchAsync(cursor, cancellationToken))
            {
                foreach (var document in cursor.Current)
                {
                    yield return document;
                }
            }
        }
    }

    private async Task<bool> NextBatchAsync(IAsyncCursor<T> cursor, CancellationToken cancellationToken)
    {
        try
        {
            return await cursor.MoveNextAsync(cancellationToken);
        }
        catch (Exception ex) when (MongoErrors.IsUnavailable(ex))
        {
            throw store.Unavailable(ex);
        }
    }

    private IFindFluent<T, T> Find()
    {
        var find = binding.Documents.Find(Filter()).Sort(SortDocument());
        if (_paging.Skip > 0)
        {
            find = find.Skip(_paging.Skip);
        }

        return _paging.Take is { } take ? find.Limit(take) : find;
    }

    internal BsonDocument Filter()
    {
        var clauses = _paging.Keyset(_sort.Count) is { } keys ? [.. _filters, KeysetFilter(keys)] : _filters;
        return clauses.Count switch
        {
            0 => [],
            1 => clauses[0],
            _ => new BsonDocument("$and", new BsonArray(clauses)),
        };
    }

    /// <summary>Always ends with _id, so equal keys come back in a fixed order and keyset paging neither skips nor repeats.</summary>
    internal BsonDocument SortDocument()
    {
        var sort = new BsonDocument();
        foreach (var key in _sort.Where(k => !sort.Contains(k.Field)))
        {
            sort.Add(key.Field, key.Descending ? -1 : 1);
        }

        if (!sort.Contains("_id"))
        {
            sort.Add("_id", 1);
        }

        return sort;
    }

    /// <summary>
    /// Rows strictly after (k1..kn, id) in sort order: k1 after v1, or k1 = v1 and k2 after v2, ... or all equal and
    /// _id after id. Missing and null sort first ascending and last descending, as MongoDB sorts them.
    /// </summary>
    private BsonDocument KeysetFilter(object?[] keys)
    {
        var fields = _sort.Append(new SortKey("_id", Descending: false, BsonValue.Create))
            .Select((key, i) => (key, value: key.ToBson(keys[i])))
            .ToList();
        var alternatives = new BsonArray();
        for (var i = 0; i < fields.Count; i++)
        {
            var (key, value) = fields[i];
            if (StrictlyAfter(key.Field, key.Descending, value) is not { } after)
            {
                continue;
            }

            var all = new BsonArray(fields.Take(i).Select(f => new BsonDocument(f.key.Field, f.value)).Append(after));
            alternatives.Add(all.Count == 1 ? all[0] : new BsonDocument("$and", all));
        }

        return alternatives.Count == 0 ? new BsonDocument("_id", new BsonDocument("$exists", false)) : new BsonDocument("$or", alternatives);
    }

    private static BsonDocument? StrictlyAfter(string field, bool descending, BsonValue value) => (descending, value.IsBsonNull) switch
    {
        (false, false) => new BsonDocument(field, new BsonDocument("$gt", value)),
        (false, true) => new BsonDocument(field, new BsonDocument("$ne", BsonNull.Value)),
        (true, false) => new BsonDocument("$or", new BsonArray
        {
            new BsonDocument(field, new BsonDocument("$lt", value)),
            new BsonDocument(field, BsonNull.Value),
        }),
        (true, true) => null,
    };

    private MongoDocumentQuery<T> AddSort<TKey>(Expression<Func<T, TKey>> key, bool descending)
    {
        ArgumentNullException.ThrowIfNull(key);
        var field = binding.Field(key, "sort key");
        _sort.Add(new SortKey(field.FieldName, descending, value => Serialize(field.FieldSerializer, value)));
        return this;
    }

    /// <summary>A keyset value as the field's serializer stores it; a value of a neighbouring type (an int for a long key) is converted first.</summary>
    private static BsonValue Serialize<TKey>(IBsonSerializer<TKey> serializer, object? value)
    {
        if (value is null)
        {
            return BsonNull.Value;
        }

        var typed = value is TKey key ? key : ConvertKey<TKey>(value);
        var holder = new BsonDocument();
        using (var writer = new BsonDocumentWriter(holder))
        {
            writer.WriteStartDocument();
            writer.WriteName("v");
            serializer.Serialize(BsonSerializationContext.CreateRoot(writer), typed);
            writer.WriteEndDocument();
        }

        return holder["v"];
    }

    private static TKey ConvertKey<TKey>(object value)
    {
        var target = Nullable.GetUnderlyingType(typeof(TKey)) ?? typeof(TKey);
        try
        {
            return (TKey)(target.IsEnum && value is string name
                ? Enum.Parse(target, name)
                : Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is InvalidCastException or FormatException or OverflowException or ArgumentException)
        {
            throw new ArgumentException($"The keyset value '{value}' ({value.GetType().Name}) does not fit a sort key of type {typeof(TKey).Name}.", ex);
        }
    }

    private sealed record SortKey(string Field, bool Descending, Func<object?, BsonValue> ToBson);
}
