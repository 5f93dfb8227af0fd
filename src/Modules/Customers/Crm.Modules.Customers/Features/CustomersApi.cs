using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Customers.Features;

/// <summary>
/// The one place the customers routes are grouped: an authorization policy for the whole group goes here. Every
/// slice's endpoint maps its route on <see cref="Group"/>.
/// </summary>
internal static class CustomersApi
{
    /// <summary>The public path of the collection, for Location headers (the host maps modules under /api/v1).</summary>
    public const string PublicPath = "/api/v1/customers";

    public const string Tag = "Customers";

    public const string Json = "application/json";

    public static RouteGroupBuilder Group(IEndpointRouteBuilder app) => app.MapGroup("/customers").WithTags(Tag);

    public static string LocationOf(string id) => $"{PublicPath}/{id}";

    /// <summary>A customer's ETag is its version, as a strong entity tag.</summary>
    public static string ETagOf(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>The If-Match header's value, or null when the request has none.</summary>
    public static string? IfMatchOf(HttpRequest request)
    {
        var value = request.Headers.IfMatch.ToString();
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>
    /// RFC 9110 If-Match against the stored version: <c>*</c> or a list holding the current ETag matches. Weak tags
    /// never match (If-Match compares strongly), and anything unparsable does not match either, which is a 412.
    /// </summary>
    public static bool IfMatchHolds(string ifMatch, long version)
    {
        var current = ETagOf(version);
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
