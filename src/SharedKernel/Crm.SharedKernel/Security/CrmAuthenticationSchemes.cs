namespace Crm.SharedKernel.Security;

/// <summary>
/// The authentication schemes. <see cref="Default"/> is a policy scheme: a request with an API key (header
/// <c>Authorization: ApiKey ...</c> or <c>X-Api-Key</c>) goes to <see cref="ApiKey"/>, anything else to <see cref="Bearer"/>.
/// </summary>
public static class CrmAuthenticationSchemes
{
    public const string Default = "Crm";

    /// <summary>Access JWTs issued by Crm at sign-in.</summary>
    public const string Bearer = "Bearer";

    public const string ApiKey = "ApiKey";

    public const string ApiKeyHeader = "X-Api-Key";
}
