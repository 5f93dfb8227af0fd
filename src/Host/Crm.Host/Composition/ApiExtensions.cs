using System.Text.Json;
using System.Text.Json.Serialization;
using Carter;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Scalar.AspNetCore;

namespace Crm.Host.Composition;

internal static class ApiExtensions
{
    /// <summary>Every API route lives under this prefix; a module's endpoint maps "/customers", not "/api/v1/customers".</summary>
    public const string ApiPrefix = "/api/v1";

    /// <summary>
    /// Carter without its assembly scan: the scan maps only public modules and every endpoint here is internal, so
    /// each module's registrar adds its endpoints to DI as ICarterModule and MapCrmApi maps exactly those.
    /// Validators are registered by the modules too (FluentValidation's DI extensions), for the mediator pipeline.
    /// </summary>
    public static IServiceCollection AddCrmApi(this IServiceCollection services, IConfiguration configuration)
    {
        // Enums travel as camelCase names (optedIn, placed); numbers for enums would break as members are added.
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false)));
        services.AddCrmIdempotency(configuration);
        services.AddCarter(configurator: carter => carter
            .WithEmptyModules()
            .WithEmptyValidators()
            .WithEmptyResponseNegotiators());
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Crm API";
            document.Info.Description = "Customers, orders, segments, campaigns and AI help. Errors are RFC 9457 problem details.";
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>Idempotency-Key handling for POSTs, the modules' endpoints under /api/v1, the OpenAPI document at /openapi/v1.json and its reference at /docs.</summary>
    public static WebApplication MapCrmApi(this WebApplication app)
    {
        app.UseCrmIdempotency();
        app.MapGroup(ApiPrefix).MapCarter();
        app.MapOpenApi().AllowAnonymousBecause("the API's description: public by design, holds no data");
        app.MapScalarApiReference("/docs", options => options
            .WithTitle("Crm API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json"))
            .AllowAnonymousBecause("the API reference page: static, holds no data");
        return app;
    }
}
