using System.Text.Json;
using Crm.SharedKernel.Documents;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Conventions;
using MongoDB.Bson.Serialization.Serializers;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// The BSON shape every document takes, chosen so that stored field names and values agree with the SQLite engine's
/// JSON: camelCase names (System.Text.Json's rule, not the driver's, so "IPAddress" is "ipAddress" on both), the root
/// <c>Id</c> as <c>_id</c>, enums as strings, decimal as Decimal128, DateTimeOffset as a UTC date, nulls left out (so
/// a unique index that is partial on existence lets any number of documents lack the value).
/// The driver's registries are process-wide and fix a type's serializer on first use, so this runs once, before
/// anything asks the driver about a document type.
/// </summary>
internal static class MongoConventions
{
    private const string PackName = "Crm.Store";
    private static readonly Lock Gate = new();
    private static bool _registered;

    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            BsonSerializer.RegisterSerializationProvider(new ValueSerializationProvider());
            var pack = new ConventionPack
            {
                new JsonCamelCaseElementNameConvention(),
                new IgnoreExtraElementsConvention(true),
                new IgnoreIfNullConvention(true),
                new RootOnlyIdConvention(),
            };
            ConventionRegistry.Register(PackName, pack, AppliesTo);
            _registered = true;
        }
    }

    /// <summary>Builds (and freezes) the class map of a document type; its <c>Id</c> must map to <c>_id</c>.</summary>
    public static void RegisterDocumentType(Type documentType)
    {
        EnsureRegistered();
        var classMap = BsonClassMap.LookupClassMap(documentType);
        if (classMap.IdMemberMap?.MemberName != nameof(IDocument.Id))
        {
            throw new InvalidOperationException(
                $"{documentType.Name} cannot be stored in MongoDB: its {nameof(IDocument.Id)} property does not map to _id.");
        }
    }

    /// <summary>Leaves the driver's and the runtime's own types alone.</summary>
    private static bool AppliesTo(Type type) =>
        type.Namespace is not { } ns
        || !(ns.StartsWith("MongoDB.", StringComparison.Ordinal) || ns.StartsWith("System", StringComparison.Ordinal));

    public static string ElementName(string memberName) => JsonNamingPolicy.CamelCase.ConvertName(memberName);

    private sealed class JsonCamelCaseElementNameConvention : ConventionBase, IMemberMapConvention
    {
        public void Apply(BsonMemberMap memberMap) => memberMap.SetElementName(ElementName(memberMap.MemberName));
    }

    /// <summary>
    /// The driver maps a member named Id to _id in every class, nested ones included; only a document's own id is the
    /// MongoDB key, so a nested object's Id stays a plain <c>id</c> field as in the JSON of the SQLite engine.
    /// </summary>
    private sealed class RootOnlyIdConvention : ConventionBase, IPostProcessingConvention
    {
        public void PostProcess(BsonClassMap classMap)
        {
            if (classMap.IdMemberMap is { } idMember && !typeof(IDocument).IsAssignableFrom(classMap.ClassType))
            {
                classMap.SetIdMember(null);
                idMember.SetElementName(ElementName(idMember.MemberName));
            }
        }
    }

    /// <summary>Value types whose driver default differs from the storage conventions, wherever they occur (members, lists, dictionary values, nullables).</summary>
    private sealed class ValueSerializationProvider : IBsonSerializationProvider
    {
        public IBsonSerializer? GetSerializer(Type type)
        {
            if (type == typeof(decimal))
            {
                return new DecimalSerializer(BsonType.Decimal128);
            }

            if (type == typeof(DateTimeOffset))
            {
                return new DateTimeOffsetSerializer(BsonType.DateTime);
            }

            if (type == typeof(Guid))
            {
                return new GuidSerializer(GuidRepresentation.Standard);
            }

            if (type.IsEnum)
            {
                return (IBsonSerializer)Activator.CreateInstance(typeof(EnumSerializer<>).MakeGenericType(type), BsonType.String)!;
            }

            return null;
        }
    }
}
