using Crm.SharedKernel.Documents;

namespace Crm.Modules.Identity.Domain;

/// <summary>
/// One refresh token of a sign-in, stored in <c>identity.refresh_tokens</c> by the SHA-256 of its value (the value
/// itself is shown once and never stored). Every use rotates it: the used token is marked and a new one of the same
/// <see cref="FamilyId"/> is issued. A used token presented again means it was stolen: the whole family is revoked.
/// </summary>
internal sealed class RefreshToken : IDocument
{
    public const string Collection = "identity.refresh_tokens";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    /// <summary>Hex SHA-256 of the token value.</summary>
    public string Hash { get; set; } = "";

    /// <summary>All tokens descended from one sign-in.</summary>
    public string FamilyId { get; set; } = "";

    public string UserId { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set when the token was exchanged for a new one.</summary>
    public DateTimeOffset? UsedAt { get; set; }

    /// <summary>Set when the family was revoked (logout, reuse detected, user disabled).</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    public string? RevokedReason { get; set; }
}
