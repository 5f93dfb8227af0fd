using System.Text.Json;
using System.Text.Json.Serialization;
using Crm.SharedKernel.Events;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>The outbox payload is JSON on every engine, so the dispatcher reads events back the same way whichever store wrote them.</summary>
internal static class MongoOutboxPayload
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize(IIntegrationEvent integrationEvent) =>
        JsonSerializer.Serialize(integrationEvent, integrationEvent.GetType(), Options);
}
