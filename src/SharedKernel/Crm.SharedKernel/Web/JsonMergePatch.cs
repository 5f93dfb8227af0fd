using System.Text.Json.Nodes;

namespace Crm.SharedKernel.Web;

/// <summary>JSON Merge Patch (RFC 7386): objects merge member by member, null removes a member, anything else replaces.</summary>
public static class JsonMergePatch
{
    public const string MediaType = "application/merge-patch+json";

    /// <summary>The result of applying <paramref name="patch"/> to <paramref name="target"/>; neither input is changed.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = Apply(result[name], value);
                result.Remove(name);
                result[name] = merged;
            }
        }

        return result;
    }
}
