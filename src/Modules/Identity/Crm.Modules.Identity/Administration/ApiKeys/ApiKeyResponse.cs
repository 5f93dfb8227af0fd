using Crm.Modules.Identity.Domain;

namespace Crm.Modules.Identity.Administration.ApiKeys;

/// <summary>A key as lists show it: never the secret, which exists only in the answer to its creation.</summary>
internal sealed record ApiKeyResponse(
    string Id,
    string Name,
    string Prefix,
    IReadOnlyList<string> Permissions,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    public static ApiKeyResponse Of(ApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new(key.Id, key.Name, key.Prefix, key.Permissions, key.CreatedBy, key.CreatedAt, key.LastUsedAt, key.RevokedAt);
    }
}
