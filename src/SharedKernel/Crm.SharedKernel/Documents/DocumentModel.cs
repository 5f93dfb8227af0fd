using System.Linq.Expressions;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.SharedKernel.Documents;

/// <summary>An index a module declares on one of its collections. <see cref="Path"/> is a member path lambda.</summary>
public sealed record DocumentIndex(LambdaExpression Path, bool Unique);

/// <summary>One collection: its name (<c>module.name</c>), its document type and the indexes the owning module declared.</summary>
public sealed record DocumentCollection(string Name, Type DocumentType, IReadOnlyList<DocumentIndex> Indexes);

/// <summary>Every collection declared at start-up. The store creates tables, collections and indexes from it.</summary>
public sealed class DocumentModel
{
    private readonly Dictionary<Type, DocumentCollection> _byType = [];

    public IReadOnlyCollection<DocumentCollection> Collections => _byType.Values;

    public void Add(DocumentCollection collection)
    {
        if (_byType.Values.Any(c => c.Name == collection.Name && c.DocumentType != collection.DocumentType))
        {
            throw new InvalidOperationException($"Collection '{collection.Name}' is declared for two document types.");
        }

        _byType[collection.DocumentType] = collection;
    }

    public DocumentCollection For(Type documentType) =>
        _byType.TryGetValue(documentType, out var collection)
            ? collection
            : throw new InvalidOperationException(
                $"{documentType.Name} has no collection: declare it with services.AddDocumentCollection<{documentType.Name}>(...) in its module's registrar.");
}

public sealed class DocumentCollectionBuilder<T>
    where T : class, IDocument
{
    internal List<DocumentIndex> Indexes { get; } = [];

    /// <summary>A plain index on a field path, for queries and sorts that filter on it.</summary>
    public DocumentCollectionBuilder<T> Index<TValue>(Expression<Func<T, TValue>> path)
    {
        Indexes.Add(new DocumentIndex(path, Unique: false));
        return this;
    }

    /// <summary>A unique index; a second document with the same value is a <see cref="ConflictKind.DuplicateKey"/>.</summary>
    public DocumentCollectionBuilder<T> UniqueIndex<TValue>(Expression<Func<T, TValue>> path)
    {
        Indexes.Add(new DocumentIndex(path, Unique: true));
        return this;
    }
}

public static class DocumentModelServiceCollectionExtensions
{
    /// <summary>Declares a collection owned by the calling module. Names follow <c>module.name</c>, e.g. <c>customers.customers</c>.</summary>
    public static IServiceCollection AddDocumentCollection<T>(
        this IServiceCollection services,
        string name,
        Action<DocumentCollectionBuilder<T>>? configure = null)
        where T : class, IDocument
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Split('.') is not [{ Length: > 0 }, { Length: > 0 }])
        {
            throw new ArgumentException($"Collection name '{name}' must read '<module>.<name>'.", nameof(name));
        }

        var builder = new DocumentCollectionBuilder<T>();
        configure?.Invoke(builder);
        services.AddDocumentModel().Add(new DocumentCollection(name, typeof(T), builder.Indexes));
        return services;
    }

    /// <summary>
    /// The one model of this service collection, registered as an instance the first time it is asked for, so modules
    /// and the store share it whichever registers first.
    /// </summary>
    public static DocumentModel AddDocumentModel(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var descriptor = services.FirstOrDefault(d => d.ServiceType == typeof(DocumentModel));
        if (descriptor?.ImplementationInstance is DocumentModel model)
        {
            return model;
        }

        if (descriptor is not null)
        {
            throw new InvalidOperationException("DocumentModel must be registered through AddDocumentModel, as one shared instance.");
        }

        model = new DocumentModel();
        services.AddSingleton(model);
        return model;
    }
}
