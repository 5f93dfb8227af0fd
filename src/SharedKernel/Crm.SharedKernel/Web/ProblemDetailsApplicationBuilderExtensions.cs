using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;

namespace Crm.SharedKernel.Web;

public static class ProblemDetailsApplicationBuilderExtensions
{
    /// <summary>
    /// Exceptions become problems through <see cref="ProblemExceptionHandler"/>, and the bodiless errors the framework
    /// answers with on its own (404, 405, 415, and 401/403 once endpoints require a caller) become problems too.
    /// Those go through <see cref="ProblemWriter"/> rather than the framework's status code pages, which answer
    /// text/plain to a client whose Accept header names no JSON type (a browser, for one).
    /// </summary>
    public static IApplicationBuilder UseCrmProblemDetails(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(context =>
        {
            var httpContext = context.HttpContext;
            var status = httpContext.Response.StatusCode;
            var problem = new ProblemDetails { Status = status };
            ProblemDetailsServiceCollectionExtensions.DescribeAsOurs(problem, status, httpContext.Request);
            return ProblemWriter.WriteAsync(httpContext, problem);
        });
        return app;
    }
}
