using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Crm.Modules.Orders.Domain;

/// <summary>Versions as entity tags: <c>"7"</c>. If-Match accepts the tag, a weak tag, <c>*</c>, or a bare number.</summary>
internal static class EntityTags
{
    public static string Of(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>Whether an If-Match header allows a write to <paramref name="version"/>; absent allows everything.</summary>
    public static bool Matches(string? ifMatch, long version)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return true;
        }

        foreach (var part in ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "*")
            {
                return true;
            }

            var tag = part.StartsWith("W/", StringComparison.Ordinal) ? part[2..] : part;
            var value = HeaderUtilities.RemoveQuotes(tag).ToString();
            if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var expected) && expected == version)
            {
                return true;
            }
        }

        return false;
    }
}
