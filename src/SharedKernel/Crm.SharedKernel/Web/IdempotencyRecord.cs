using Crm.SharedKernel.Documents;

namespace Crm.SharedKernel.Web;

/// <summary>
/// One <c>Idempotency-Key</c> (<c>crm.idempotency</c>): the request it was first used with (a hash) and, once done,
/// the response to replay. The id is a hash of scope and key, so neither raw key nor caller appears in ids.
/// </summary>
public sealed class IdempotencyRecord : IDocument
{
    public const string CollectionName = "crm.idempotency";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    /// <summary>SHA-256 (hex) of method, path and query, and body.</summary>
    public string RequestHash { get; set; } = "";

    public bool Completed { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>While not <see cref="Completed"/>: when the request holding the key counts as abandoned.</summary>
    public DateTimeOffset LeaseUntil { get; set; }

    public int StatusCode { get; set; }

    public string? ContentType { get; set; }

    public string? Location { get; set; }

    public string? ETag { get; set; }

    /// <summary>The response body, base64.</summary>
    public string? Body { get; set; }
}
