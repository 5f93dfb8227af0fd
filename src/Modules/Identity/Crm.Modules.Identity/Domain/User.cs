using Crm.SharedKernel.Documents;

namespace Crm.Modules.Identity.Domain;

internal enum UserStatus
{
    /// <summary>Invited by an admin, not signed in yet.</summary>
    Invited,

    Active,

    /// <summary>Cannot sign in; tokens already issued stop working at once.</summary>
    Disabled,
}

/// <summary>
/// A person who signs in, stored in <c>identity.users</c>. The email is the natural key (unique, lower case). A user
/// without a <see cref="Role"/> can sign in but sees only a "waiting for access" state.
/// </summary>
internal sealed class User : IDocument
{
    public const string Collection = "identity.users";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Email { get; set; } = "";

    public string? Name { get; set; }

    /// <summary>One of <see cref="Crm.SharedKernel.Security.Roles"/>, or null while waiting for access.</summary>
    public string? Role { get; set; }

    public UserStatus Status { get; set; } = UserStatus.Active;

    /// <summary>Local accounts only: the password hash in the hasher's own self-describing format.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>Google's stable subject id, once the person has signed in with Google.</summary>
    public string? GoogleSubject { get; set; }

    public int FailedSignIns { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    /// <summary>
    /// Bumped whenever what a token says about the user stops being true (role change, disable, password change);
    /// access tokens carry it, and a token with an older stamp is refused.
    /// </summary>
    public int SecurityStamp { get; set; }

    public string? InvitedBy { get; set; }

    /// <summary>
    /// Hex SHA-256 of the one-time code of an invitation, with which the person sets a local password; cleared when
    /// used or when they first sign in with Google. The code itself is shown once, to the admin who invited.
    /// </summary>
    public string? InvitationCodeHash { get; set; }

    public DateTimeOffset? InvitationExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }
}
