using System.Text.Json;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Serialization;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>The outbox payload is JSON on every engine, so the dispatcher reads events back the same way whichever store wrote them.</summary>
internal static class MongoOutboxPayload
{
    public static string Serialize(IIntegrationEvent integrationEvent) =>
        JsonSerializer.Serialize(integrationEvent, integrationEvent.GetType(), CrmJson.Options);
}
