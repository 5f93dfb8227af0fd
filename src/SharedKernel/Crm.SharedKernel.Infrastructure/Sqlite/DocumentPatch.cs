using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.SharedKernel.Documents;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// Field changes recorded by <see cref="IDocumentSession.Patch{T}"/> and applied by the writer to the stored JSON
/// inside the commit. Numbers are read and written through their exact types, so decimals never pass through a double.
/// </summary>
internal sealed class DocumentPatch<T> : IDocumentPatch<T>
    where T : class, IDocument
{
    public List<Action<JsonObject>> Changes { get; } = [];

    /// <summary>The field paths the changes write, so the writer refreshes only the index columns they reach.</summary>
    public List<IReadOnlyList<object>> Paths { get; } = [];

    public IDocumentPatch<T> Increment(Expression<Func<T, int>> field, int by) =>
        Add(field, node => JsonValue.Create((node?.GetValue<int>() ?? 0) + by));

    public IDocumentPatch<T> Increment(Expression<Func<T, long>> field, long by) =>
        Add(field, node => JsonValue.Create((node?.GetValue<long>() ?? 0L) + by));

    public IDocumentPatch<T> Increment(Expression<Func<T, decimal>> field, decimal by) =>
        Add(field, node => JsonValue.Create((node?.GetValue<decimal>() ?? 0m) + by));

    public IDocumentPatch<T> Increment(Expression<Func<T, double>> field, double by) =>
        Add(field, node => JsonValue.Create((node?.GetValue<double>() ?? 0d) + by));

    public IDocumentPatch<T> Set<TValue>(Expression<Func<T, TValue>> field, TValue value)
    {
        var json = JsonSerializer.SerializeToNode(value, DocumentJson.Options);
        return Add(field, _ => json?.DeepClone());
    }

    public IDocumentPatch<T> Max<TValue>(Expression<Func<T, TValue>> field, TValue value)
        where TValue : IComparable<TValue>
    {
        var json = JsonSerializer.SerializeToNode(value, DocumentJson.Options);
        // A null or missing field is smaller than any value (MongoDB's $max), including one below default(TValue).
        return Add(field, node =>
        {
            if (node is null || node.Deserialize<TValue>(DocumentJson.Options) is not { } stored || stored.CompareTo(value) < 0)
            {
                return json?.DeepClone();
            }

            return node.DeepClone();
        });
    }

    private DocumentPatch<T> Add(LambdaExpression field, Func<JsonNode?, JsonNode?> change)
    {
        var path = DocumentPath.FromLambda(field);
        if (path.Column is not null)
        {
            throw new UnsupportedQueryException($"'{field}': the store owns {path.Column}; it cannot be patched.");
        }

        var segments = path.Segments;
        Changes.Add(root => Apply(root, segments, change));
        Paths.Add(segments);
        return this;
    }

    /// <summary>Walks to the field, creating missing objects on the way, and replaces its value.</summary>
    private static void Apply(JsonObject root, IReadOnlyList<object> segments, Func<JsonNode?, JsonNode?> change)
    {
        JsonNode parent = root;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            parent = segments[i] switch
            {
                string name => parent.AsObject()[name] ??= new JsonObject(),
                int position => parent.AsArray()[position] ?? throw new InvalidOperationException($"No element {position} to patch."),
                _ => throw new InvalidOperationException("Unknown path segment."),
            };
        }

        switch (segments[^1])
        {
            case string name:
                var target = parent.AsObject();
                target[name] = change(target[name]);
                break;
            case int position:
                var array = parent.AsArray();
                array[position] = change(array[position]);
                break;
        }
    }
}
