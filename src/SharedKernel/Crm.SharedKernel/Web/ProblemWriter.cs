using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.SharedKernel.Web;

/// <summary>The one place a problem is finished (instance, traceId) and written as <c>application/problem+json</c>.</summary>
public static class ProblemWriter
{
    public const string ContentType = "application/problem+json";

    /// <summary>Adds <c>instance</c> (the request path) and <c>traceId</c> (the W3C trace id) when missing.</summary>
    public static void Enrich(ProblemDetails problem, HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(httpContext);
        problem.Instance ??= httpContext.Request.Path.Value;
        problem.Extensions["traceId"] = TraceIdOf(httpContext);
    }

    /// <summary>The id a client quotes when it reports a problem: the trace id, which the logs and traces carry too.</summary>
    public static string TraceIdOf(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return Activity.Current is { } activity && activity.TraceId != default
            ? activity.TraceId.ToHexString()
            : httpContext.TraceIdentifier;
    }

    public static void SetRetryAfter(HttpContext httpContext, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Writes <paramref name="problem"/> with its status. Uses the registered <see cref="IProblemDetailsService"/>
    /// and falls back to plain JSON when it declines (e.g. the client's Accept header names no JSON type), so an
    /// API error never turns into an empty body.
    /// </summary>
    public static async Task WriteAsync(HttpContext httpContext, ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(problem);
        Enrich(problem, httpContext);
        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        var service = httpContext.RequestServices.GetService<IProblemDetailsService>();
        if (service is not null
            && await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem }).ConfigureAwait(false))
        {
            return;
        }

        await httpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: ContentType, httpContext.RequestAborted)
            .ConfigureAwait(false);
    }
}
