using Crm.SharedKernel.Documents;

namespace Crm.Modules.Identity.Domain;

/// <summary>
/// A key for server-to-server calls, stored in <c>identity.api_keys</c>. The secret is shown once at creation; only
/// its SHA-256 is kept. <see cref="Prefix"/> is the public, non-secret start of the key shown in lists so people can
/// tell keys apart.
/// </summary>
internal sealed class ApiKey : IDocument
{
    public const string Collection = "identity.api_keys";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Name { get; set; } = "";

    public string Prefix { get; set; } = "";

    /// <summary>Hex SHA-256 of the whole key.</summary>
    public string Hash { get; set; } = "";

    /// <summary>A subset of <see cref="Crm.SharedKernel.Security.Permissions.All"/>.</summary>
    public List<string> Permissions { get; set; } = [];

    public string CreatedBy { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
