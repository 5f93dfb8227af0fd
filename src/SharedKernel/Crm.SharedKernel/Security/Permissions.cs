namespace Crm.SharedKernel.Security;

/// <summary>
/// What a caller may do. Every endpoint declares one of these (<see cref="EndpointSecurity.RequirePermission{TBuilder}"/>)
/// or says why it is public (<see cref="EndpointSecurity.AllowAnonymousBecause{TBuilder}"/>); anything else is denied.
/// A module that adds a capability adds its permission here and to <see cref="Roles"/>.
/// </summary>
public static class Permissions
{
    public const string CustomersRead = "customers:read";

    /// <summary>Create, change, import and erase customers (erasure included: it is a write of the customer's data).</summary>
    public const string CustomersWrite = "customers:write";

    public const string OrdersRead = "orders:read";

    public const string OrdersWrite = "orders:write";

    public const string SegmentsRead = "segments:read";

    public const string SegmentsWrite = "segments:write";

    public const string CampaignsRead = "campaigns:read";

    public const string CampaignsWrite = "campaigns:write";

    /// <summary>Start, pause and send campaigns: the step that reaches customers.</summary>
    public const string CampaignsActivate = "campaigns:activate";

    /// <summary>AI help: drafts, insights, natural-language segment rules.</summary>
    public const string AiUse = "ai:use";

    public const string UsersManage = "users:manage";

    public const string ApiKeysManage = "apikeys:manage";

    public const string AuditRead = "audit:read";

    public static IReadOnlyList<string> All { get; } =
    [
        CustomersRead, CustomersWrite, OrdersRead, OrdersWrite, SegmentsRead, SegmentsWrite,
        CampaignsRead, CampaignsWrite, CampaignsActivate, AiUse, UsersManage, ApiKeysManage, AuditRead,
    ];

    /// <summary>The authorization policy that requires <paramref name="permission"/>.</summary>
    public static string PolicyName(string permission) => PolicyPrefix + permission;

    /// <summary>Names of policies built from a permission start with this.</summary>
    public const string PolicyPrefix = "permission:";

    public static bool IsKnown(string permission) => All.Contains(permission, StringComparer.Ordinal);
}
