using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Identity.Administration.Users;

/// <summary>A user as admins see them: never a password hash or lockout internals.</summary>
internal sealed record UserResponse(
    string Id,
    string Email,
    string? Name,
    string? Role,
    UserStatus Status,
    bool HasPassword,
    bool HasGoogle,
    string? InvitedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt)
{
    public static UserResponse Of(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new(
            user.Id,
            user.Email,
            user.Name,
            user.Role,
            user.Status,
            user.PasswordHash is not null,
            user.GoogleSubject is not null,
            user.InvitedBy,
            user.CreatedAt,
            user.LastSignInAt);
    }
}

internal static class UserRules
{
    /// <summary>
    /// Whether taking <paramref name="user"/>'s Admin role or access away would leave nobody able to manage users.
    /// A check before the write, not a lock: two admins demoting each other at the same instant could both pass.
    /// </summary>
    public static async Task<bool> IsLastActiveAdminAsync(IDocumentSession session, User user, CancellationToken cancellationToken)
    {
        if (user.Role != Crm.SharedKernel.Security.Roles.Admin || user.Status == UserStatus.Disabled)
        {
            return false;
        }

        var admin = Crm.SharedKernel.Security.Roles.Admin;
        var others = await session.Query<User>()
            .Where(x => x.Role == admin && x.Status == UserStatus.Active && x.Id != user.Id)
            .CountAsync(cancellationToken).ConfigureAwait(false);
        return others == 0;
    }

    public static string RoleText(string? role) => role ?? "none";
}
