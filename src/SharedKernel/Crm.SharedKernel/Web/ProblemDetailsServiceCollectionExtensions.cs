using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.SharedKernel.Web;

public static class ProblemDetailsServiceCollectionExtensions
{
    /// <summary>
    /// Problem details for every error answer: the framework's own (404, 405, ...) get <c>instance</c> and
    /// <c>traceId</c> like ours, and <see cref="ProblemExceptionHandler"/> maps exceptions. Pair with
    /// <c>app.UseExceptionHandler()</c> and <c>app.UseStatusCodePages()</c>.
    /// </summary>
    public static IServiceCollection AddCrmProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (context.ProblemDetails.Status is { } status)
            {
                context.ProblemDetails.Type ??= ProblemTypes.TypeOf(status);
            }

            ProblemWriter.Enrich(context.ProblemDetails, context.HttpContext);
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();

        // Minimal APIs answer a malformed body with a bare 400 unless told to throw; throwing lets the handler
        // above say what was wrong (and where, for JSON).
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }
}
