using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Crm.SharedKernel.Web;

/// <summary>A document's version as its HTTP entity tag, and If-Match checked against it (RFC 9110).</summary>
public static class EntityTags
{
    /// <summary>The version as a strong entity tag: <c>"7"</c>.</summary>
    public static string Of(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>The If-Match header's value, or null when the request has none.</summary>
    public static string? IfMatchOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = request.Headers.IfMatch.ToString();
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>
    /// Whether an If-Match value allows a write to <paramref name="version"/>: <c>*</c> or a list holding the current
    /// tag. Weak tags never match (If-Match compares strongly) and anything unparsable does not match either, which
    /// the caller answers with 412.
    /// </summary>
    public static bool IfMatchHolds(string ifMatch, long version)
    {
        ArgumentNullException.ThrowIfNull(ifMatch);
        var current = Of(version);
        foreach (var tag in ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (tag == "*" || string.Equals(tag, current, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
