using Crm.SharedKernel.Mediation;

namespace Crm.Host.Composition;

internal static class MediatorExtensions
{
    /// <summary>
    /// The source-generated mediator. The generator runs here only, reads these options at compile time (so they
    /// must stay constant expressions) and sees the modules' internal handlers through InternalsVisibleTo("Crm.Host").
    /// It scans every referenced assembly: naming the modules in options.Assemblies fails the build (MSG0007) for a
    /// module that has no handler yet, because its compiled assembly then carries no reference to Mediator.
    /// Scoped, because handlers open document sessions per request.
    /// </summary>
    public static IServiceCollection AddCrmMediator(this IServiceCollection services) =>
        services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;

            // Outermost first: telemetry also times and counts requests that fail validation.
            options.PipelineBehaviors =
            [
                typeof(TelemetryBehavior<,>),
                typeof(ValidationBehavior<,>),
            ];
        });
}
