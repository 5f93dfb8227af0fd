using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Serialization;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// The shared JSON conventions, minus <see cref="IDocument.Version"/>: the version lives in its own column, so the
/// stored JSON never carries a stale copy of it.
/// </summary>
internal static class DocumentJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static readonly ConcurrentDictionary<Type, JsonTypeInfo> TypeInfos = new();

    public static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)TypeInfo(typeof(T));

    public static JsonTypeInfo TypeInfo(Type type) => TypeInfos.GetOrAdd(type, static t => Options.GetTypeInfo(t));

    /// <summary>The stored name of a property: its [JsonPropertyName] when present, else camelCase.</summary>
    public static string NameOf(System.Reflection.MemberInfo member)
    {
        var attribute = (System.Text.Json.Serialization.JsonPropertyNameAttribute?)Attribute.GetCustomAttribute(
            member, typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute));
        return attribute?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(member.Name);
    }

    private static JsonSerializerOptions Create()
    {
        var resolver = new DefaultJsonTypeInfoResolver();
        resolver.Modifiers.Add(static info =>
        {
            if (info.Kind != JsonTypeInfoKind.Object || !typeof(IDocument).IsAssignableFrom(info.Type))
            {
                return;
            }

            for (var i = info.Properties.Count - 1; i >= 0; i--)
            {
                if (info.Properties[i].Name == "version" && info.Properties[i].PropertyType == typeof(long))
                {
                    info.Properties.RemoveAt(i);
                }
            }
        });
        var options = new JsonSerializerOptions(CrmJson.Options) { TypeInfoResolver = resolver };
        options.MakeReadOnly();
        return options;
    }
}
