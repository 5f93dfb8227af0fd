using Microsoft.AspNetCore.Http;

namespace Crm.SharedKernel.Web;

/// <summary>
/// Whose keys a request's key is checked against, so that two callers cannot replay each other's responses. Until
/// authentication arrives every caller shares the empty scope; then the caller's tenant and client id go here.
/// </summary>
public interface IIdempotencyScope
{
    string ScopeOf(HttpContext httpContext);
}

internal sealed class SharedIdempotencyScope : IIdempotencyScope
{
    public string ScopeOf(HttpContext httpContext) => string.Empty;
}
