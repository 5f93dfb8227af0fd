using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Crm.Host.Composition;

internal static class ObservabilityExtensions
{
    /// <summary>Every component names its ActivitySource and Meter "Crm.Something"; one wildcard picks them all up.</summary>
    private const string CrmSources = "Crm.*";

    /// <summary>
    /// Traces and metrics from ASP.NET Core, HttpClient and our own sources. They leave the process only when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OpenTelemetry variable; the exporter reads it too).
    /// </summary>
    public static WebApplicationBuilder AddCrmObservability(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? "crm",
                serviceVersion: typeof(ObservabilityExtensions).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                .AddHttpClientInstrumentation()
                .AddSource(CrmSources))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(CrmSources));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithLogging().UseOtlpExporter();
        }

        return builder;
    }
}
