using System.Text.Json;

namespace Crm.SharedKernel.Errors;

/// <summary>Field names in errors are the JSON paths a client sent, not the C# member paths.</summary>
public static class FieldPath
{
    /// <summary>
    /// <c>Address.PostCode</c> becomes <c>address.postCode</c>; <c>Items[0].Sku</c> becomes <c>items[0].sku</c>.
    /// Each segment is named as System.Text.Json's camelCase policy names it, so paths match the wire format.
    /// </summary>
    public static string ToJson(string propertyPath)
    {
        if (string.IsNullOrEmpty(propertyPath))
        {
            return string.Empty;
        }

        var segments = propertyPath.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            segments[i] = bracket < 0
                ? JsonNamingPolicy.CamelCase.ConvertName(segment)
                : JsonNamingPolicy.CamelCase.ConvertName(segment[..bracket]) + segment[bracket..];
        }

        return string.Join('.', segments);
    }
}
