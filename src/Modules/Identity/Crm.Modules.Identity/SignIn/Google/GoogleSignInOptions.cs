namespace Crm.Modules.Identity.SignIn.Google;

/// <summary>Settings under <c>Auth:Google</c>. Google sign-in is off while <see cref="ClientId"/> is empty.</summary>
internal sealed class GoogleSignInOptions
{
    public const string Section = "Auth:Google";

    /// <summary>The OAuth client id of the web app: ID tokens must be issued for it (their audience).</summary>
    public string? ClientId { get; set; }

    /// <summary>When set, only accounts of this Google Workspace domain (the token's <c>hd</c>) may sign in.</summary>
    public string? HostedDomain { get; set; }

    /// <summary>Emails that get <see cref="DefaultRole"/> at their first sign-in instead of waiting for access.</summary>
    public List<string> AllowedEmails { get; set; } = [];

    /// <summary>The role of an allowed email at first sign-in; Viewer when unset.</summary>
    public string? DefaultRole { get; set; }
}
