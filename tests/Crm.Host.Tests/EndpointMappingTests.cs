using Carter;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests;

/// <summary>
/// Carter's own scan skips internal endpoint types, and every module's endpoints are internal; the registrars add
/// them to DI instead. This proves the host maps each one of them, under /api/v1.
/// </summary>
public sealed class EndpointMappingTests
{
    [Test]
    public async Task Every_carter_module_in_di_is_mapped_under_api_v1()
    {
        await using var factory = new CrmHostFactory()
            .WithTestServices(services => services.AddSingleton<ICarterModule, ProbeEndpoints>());
        using var client = factory.CreateClient();

        var mapped = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => MethodsOf(e).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet(StringComparer.Ordinal);

        var modules = factory.Services.GetServices<ICarterModule>().ToList();
        Assert.That(modules, Has.Some.InstanceOf<ProbeEndpoints>());
        foreach (var module in modules)
        {
            var declared = RoutesDeclaredBy(module, factory.Services);
            Assert.That(declared, Is.Not.Empty, $"{module.GetType().Name} declares no route");
            foreach (var route in declared)
            {
                Assert.That(mapped, Does.Contain(route), $"{module.GetType().Name}: {route} is not mapped");
            }
        }

        Assert.That(mapped, Does.Contain("POST /api/v1/probe/echo"));
    }

    /// <summary>The routes a module adds, replayed on a scratch builder and prefixed as the host prefixes them.</summary>
    private static List<string> RoutesDeclaredBy(ICarterModule module, IServiceProvider services)
    {
        var scratch = new ScratchRouteBuilder(services);
        module.AddRoutes(scratch);
        return scratch.DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => MethodsOf(e).Select(m => $"{m} /api/v1{e.RoutePattern.RawText}"))
            .ToList();
    }

    private static IEnumerable<string> MethodsOf(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"];

    private sealed class ScratchRouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider { get; } = services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);
    }
}
