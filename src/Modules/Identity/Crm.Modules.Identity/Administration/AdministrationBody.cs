using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Http;

namespace Crm.Modules.Identity.Administration;

internal static class AdministrationBody
{
    /// <summary>Small admin bodies: JSON only, a few kilobytes at most, a missing body is a 400 like an empty object.</summary>
    public const long MaxBytes = 16 * 1024;

    public static async Task<Result<T>> ReadAsync<T>(HttpContext httpContext, CancellationToken cancellationToken)
        where T : class
    {
        var node = await JsonRequestBody.ReadAsync(httpContext.Request, [AdministrationApi.Json], MaxBytes, cancellationToken).ConfigureAwait(false);
        return node is null ? Error.InvalidField("$", "A JSON body is required.") : JsonRequestBody.Bind<T>(node, httpContext);
    }
}
