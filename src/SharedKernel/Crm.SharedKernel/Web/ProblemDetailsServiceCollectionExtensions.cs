using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.SharedKernel.Web;

public static class ProblemDetailsServiceCollectionExtensions
{
    private const string FrameworkTypePrefix = "https://tools.ietf.org/";

    /// <summary>
    /// Problem details for every error answer: the framework's own (404, 405, ...) get <c>instance</c> and
    /// <c>traceId</c> like ours, and <see cref="ProblemExceptionHandler"/> maps exceptions. Pair with
    /// <see cref="ProblemDetailsApplicationBuilderExtensions.UseCrmProblemDetails"/>.
    /// </summary>
    public static IServiceCollection AddCrmProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Status is { } status && (problem.Type is null || problem.Type.StartsWith(FrameworkTypePrefix, StringComparison.Ordinal)))
            {
                // The framework's own answers read like ours: same type links and titles.
                DescribeAsOurs(problem, status, context.HttpContext.Request);
            }

            ProblemWriter.Enrich(problem, context.HttpContext);
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();

        // Minimal APIs answer a malformed body with a bare 400 unless told to throw; throwing lets the handler
        // above say what was wrong (and where, for JSON).
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>The type, title and (where the client can act on it) detail our problems carry for <paramref name="status"/>.</summary>
    internal static void DescribeAsOurs(ProblemDetails problem, int status, HttpRequest request) =>
        ProblemTypes.Describe(problem, status, DetailOf(status, request));

    /// <summary>What the client can do about the bodiless errors the framework answers with on its own.</summary>
    private static string? DetailOf(int status, HttpRequest request) => status switch
    {
        StatusCodes.Status401Unauthorized =>
            "Sign in and send the access token (Authorization: Bearer <token>), or send an API key (Authorization: ApiKey <key>).",
        StatusCodes.Status403Forbidden => "You are signed in, but your role or key does not grant what this endpoint needs.",
        StatusCodes.Status404NotFound => "Nothing is found at this path.",
        StatusCodes.Status405MethodNotAllowed => $"This path does not accept {request.Method}.",
        StatusCodes.Status415UnsupportedMediaType =>
            $"The content type '{request.ContentType ?? "(none)"}' is not accepted here; send application/json.",
        _ => null,
    };
}
