namespace Crm.SharedKernel.Security;

/// <summary>The claims Crm puts on a caller, whether signed in with a token or calling with an API key.</summary>
public static class CrmClaimTypes
{
    /// <summary>The user id, or the API key id for a key.</summary>
    public const string Subject = "sub";

    /// <summary>One claim per permission the caller holds.</summary>
    public const string Permission = "perm";

    public const string Role = "role";

    public const string Email = "email";

    public const string Name = "name";

    /// <summary><see cref="CrmPrincipalKinds.User"/> or <see cref="CrmPrincipalKinds.ApiKey"/>.</summary>
    public const string Kind = "crm_kind";

    /// <summary>The user's security stamp when the token was issued; a token with an older one is refused.</summary>
    public const string SecurityStamp = "crm_stamp";
}

public static class CrmPrincipalKinds
{
    public const string User = "user";

    public const string ApiKey = "apikey";
}
