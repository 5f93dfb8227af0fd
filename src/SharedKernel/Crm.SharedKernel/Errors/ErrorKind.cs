namespace Crm.SharedKernel.Errors;

/// <summary>What went wrong, in terms a client can act on. Each kind maps to one HTTP status at the edge.</summary>
public enum ErrorKind
{
    /// <summary>The request is malformed or breaks a rule on its fields (400).</summary>
    Validation,

    /// <summary>The thing asked for does not exist (404).</summary>
    NotFound,

    /// <summary>The request clashes with the current state, e.g. a duplicate or a concurrent change (409).</summary>
    Conflict,

    /// <summary>A precondition the client sent (If-Match, an expected version) does not hold (412).</summary>
    PreconditionFailed,

    /// <summary>The request is well formed but cannot be carried out in the current state (422).</summary>
    Unprocessable,

    /// <summary>The caller is not authenticated (401).</summary>
    Unauthorized,

    /// <summary>The caller is authenticated but not allowed (403).</summary>
    Forbidden,

    /// <summary>The caller sent too many requests (429).</summary>
    TooManyRequests,

    /// <summary>A dependency is down; the request may succeed later (503).</summary>
    Unavailable,

    /// <summary>The request holds more than the endpoint accepts: bytes, rows or items (413).</summary>
    TooLarge,

    /// <summary>The request's content type (or charset) is not one the endpoint reads (415).</summary>
    UnsupportedMediaType,
}
