namespace Crm.SharedKernel.Security;

/// <summary>
/// The roles a person can hold and the permissions each grants. A signed-in person without a role can see only who
/// they are (waiting for access). API keys carry a subset of permissions chosen when the key is made, not a role.
/// </summary>
public static class Roles
{
    public const string Admin = "Admin";

    public const string Marketer = "Marketer";

    public const string Analyst = "Analyst";

    public const string Viewer = "Viewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Marketer, Analyst, Viewer];

    private static readonly string[] Reads =
        [Permissions.CustomersRead, Permissions.OrdersRead, Permissions.SegmentsRead, Permissions.CampaignsRead];

    private static readonly Dictionary<string, IReadOnlyList<string>> Table = new(StringComparer.Ordinal)
    {
        [Admin] = Permissions.All,
        [Marketer] =
        [
            .. Reads, Permissions.CustomersWrite, Permissions.OrdersWrite, Permissions.SegmentsWrite,
            Permissions.CampaignsWrite, Permissions.CampaignsActivate, Permissions.AiUse,
        ],
        [Analyst] = [.. Reads, Permissions.SegmentsWrite, Permissions.AiUse],
        [Viewer] = Reads,
    };

    /// <summary>The permissions of <paramref name="role"/>; none for no role or an unknown one.</summary>
    public static IReadOnlyList<string> PermissionsOf(string? role) =>
        role is not null && Table.TryGetValue(role, out var permissions) ? permissions : [];

    /// <summary>The canonical spelling of <paramref name="role"/> (case-insensitive match), or null when it is not a role.</summary>
    public static string? Parse(string? role) =>
        All.FirstOrDefault(r => string.Equals(r, role?.Trim(), StringComparison.OrdinalIgnoreCase));
}
