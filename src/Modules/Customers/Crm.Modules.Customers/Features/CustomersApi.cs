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
}
