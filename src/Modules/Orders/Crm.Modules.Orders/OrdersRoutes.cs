using System.Globalization;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Orders;

/// <summary>The one place the module's routes are grouped, each under the permission its endpoint needs.</summary>
internal static class OrdersRoutes
{
    public const string Tag = "Orders";

    /// <summary>Bodies of a single order: a thousand items fit many times over.</summary>
    public const long MaxOrderBodyBytes = 1024 * 1024;

    /// <summary>The group for a slice's endpoint, under <see cref="Permissions.OrdersRead"/> or <see cref="Permissions.OrdersWrite"/>.</summary>
    public static RouteGroupBuilder Group(IEndpointRouteBuilder app, string permission) =>
        app.MapGroup("/orders").WithTags(Tag).RequirePermission(permission);

    /// <summary>Where an order lives, for Location headers (the host mounts modules under /api/v1).</summary>
    public static string LocationOf(string id) => $"/api/v1/orders/{id}";

    /// <summary>
    /// Refuses a body whose declared length is over <paramref name="maxBytes"/> with a 413 problem before it is read.
    /// Kestrel also enforces its own limit on the bytes actually sent; this answers early and works on every server.
    /// </summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long maxBytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.Request.ContentLength is { } length && length > maxBytes)
            {
                await ProblemWriter.WriteAsync(http, ProblemTypes.Describe(
                    new ProblemDetails(),
                    StatusCodes.Status413PayloadTooLarge,
                    $"The body is {length.ToString(CultureInfo.InvariantCulture)} bytes; this endpoint accepts at most {maxBytes.ToString(CultureInfo.InvariantCulture)}.")).ConfigureAwait(false);
                return Results.Empty;
            }

            return await next(context).ConfigureAwait(false);
        });
}
