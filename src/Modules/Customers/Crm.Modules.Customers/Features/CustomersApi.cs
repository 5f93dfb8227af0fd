using System.Globalization;
using Crm.SharedKernel.Security;
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

    /// <summary>
    /// The group for a slice's endpoint, under the permission it needs (<see cref="Permissions.CustomersRead"/> or
    /// <see cref="Permissions.CustomersWrite"/>): a slice cannot map a route without saying who may call it.
    /// </summary>
    public static RouteGroupBuilder Group(IEndpointRouteBuilder app, string permission) =>
        app.MapGroup("/customers").WithTags(Tag).RequirePermission(permission);

    public static string LocationOf(string id) => $"{PublicPath}/{id}";
}
