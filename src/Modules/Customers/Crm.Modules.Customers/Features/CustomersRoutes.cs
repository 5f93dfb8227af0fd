using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Customers.Features;

/// <summary>The one group every customers route hangs from, so a policy (authorization, rate limits) is added once.</summary>
internal static class CustomersRoutes
{
    public const string Prefix = "/customers";

    public const string Tag = "Customers";

    public static RouteGroupBuilder Group(IEndpointRouteBuilder app) => app.MapGroup(Prefix).WithTags(Tag);
}
