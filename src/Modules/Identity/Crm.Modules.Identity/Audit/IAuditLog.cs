namespace Crm.Modules.Identity.Audit;

/// <summary>The audit actions Crm records.</summary>
internal static class AuditActions
{
    public const string SignIn = "sign_in";
    public const string SignInFailed = "sign_in_failed";
    public const string LockedOut = "locked_out";
    public const string SignOut = "sign_out";
    public const string TokenRefreshed = "token_refreshed";
    public const string RefreshTokenReused = "refresh_token_reused";
    public const string SetupCompleted = "setup_completed";
    public const string UserInvited = "user_invited";
    public const string InvitationAccepted = "invitation_accepted";
    public const string RoleChanged = "role_changed";
    public const string UserDisabled = "user_disabled";
    public const string UserEnabled = "user_enabled";
    public const string ApiKeyCreated = "api_key_created";
    public const string ApiKeyRevoked = "api_key_revoked";
    public const string CampaignActivated = "campaign_activated";
}

/// <summary>What to record; the log adds the id and the time.</summary>
internal sealed record AuditRecord(
    string Action,
    string? ActorId,
    string? ActorEmail,
    string? TargetId = null,
    bool Succeeded = true,
    string? Detail = null,
    string? IpAddress = null);

/// <summary>Appends to <c>identity.audit</c>. Recording never fails the action it records: a store fault is logged.</summary>
internal interface IAuditLog
{
    Task RecordAsync(AuditRecord record, CancellationToken cancellationToken);
}
