using System.Text.Json.Nodes;

namespace Crm.Modules.Segments.Rules;

internal sealed record MongoRendering(string Collection, JsonObject Filter, JsonArray Pipeline);

internal static class MongoQuery
{
    public static MongoRendering Render(RuleGroup rules, DateTimeOffset now) => new("segments.audience", [], []);
}
