using Microsoft.AspNetCore.Http;

namespace Crm.SharedKernel.Web;

/// <summary>
/// Whose keys a request's key is checked against, so that two callers cannot replay each other's responses. The host
/// registers one keyed by the caller's subject (user or API key id); the shared empty scope is the default of a
/// composition without authentication.
/// </summary>
public interface IIdempotencyScope
{
    string ScopeOf(HttpContext httpContext);
}

internal sealed class SharedIdempotencyScope : IIdempotencyScope
{
    public string ScopeOf(HttpContext httpContext) => string.Empty;
}
