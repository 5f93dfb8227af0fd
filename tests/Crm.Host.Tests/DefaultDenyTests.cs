using System.Net;
using Carter;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests;

/// <summary>An endpoint that declares no authorization is refused to everyone, the admin included.</summary>
public sealed class DefaultDenyTests : HostFixture
{
    [Test]
    public async Task An_endpoint_that_declares_nothing_is_refused_to_the_admin_with_403()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/undeclared", UriKind.Relative));

        await response.ReadProblemAsync(403);
    }

    [Test]
    public async Task An_endpoint_that_declares_nothing_is_refused_to_an_anonymous_caller_with_401_and_a_challenge()
    {
        using var anonymous = Factory.CreateAnonymousClient();
        using var response = await anonymous.GetAsync(new Uri("/api/v1/undeclared", UriKind.Relative));

        await response.ReadProblemAsync(401);
        Assert.That(response.Headers.WwwAuthenticate.Select(h => h.Scheme), Does.Contain("Bearer"));
    }

    [Test]
    public async Task A_path_that_matches_no_route_is_still_a_404_and_a_wrong_method_a_405()
    {
        using var anonymous = Factory.CreateAnonymousClient();
        using var missing = await anonymous.GetAsync(new Uri("/nothing-here", UriKind.Relative));
        using var wrongMethod = await Client.PutAsync(new Uri("/api/v1/customers", UriKind.Relative), null);

        await missing.ReadProblemAsync(404);
        await wrongMethod.ReadProblemAsync(405);
    }

    protected override CrmHostFactory CreateFactory() =>
        new CrmHostFactory().WithTestServices(services => services.AddSingleton<ICarterModule, UndeclaredEndpoint>());

    private sealed class UndeclaredEndpoint : ICarterModule
    {
        public void AddRoutes(IEndpointRouteBuilder app) => app.MapGet("/undeclared", () => TypedResults.Ok("secret"));
    }
}
