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
    /// Metrics from ASP.NET Core, HttpClient and our own meters, always; traces from the same sources, and the OTLP
    /// export of all three, when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OpenTelemetry variable; the exporter
    /// reads it too).
    /// </summary>
    public static WebApplicationBuilder AddCrmObservability(this WebApplicationBuilder builder)
    {
        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? "crm",
                serviceVersion: typeof(ObservabilityExtensions).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(CrmSources));

        if (exporting)
        {
            // Spans are recorded only when they can leave the process: a tracer with nowhere to send them would still
            // sample every request, query and event delivery, which measured as a real share of ingestion CPU.
            otel.WithTracing(tracing => tracing
                    .AddAspNetCoreInstrumentation(options =>
                        options.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                    .AddHttpClientInstrumentation()
                    .AddSource(CrmSources))
                .WithLogging()
                .UseOtlpExporter();
        }

        return builder;
    }
}
