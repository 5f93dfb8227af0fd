using Crm.Modules.Identity.Domain;

namespace Crm.Modules.Identity.Tokens;

/// <summary>What a successful sign-in or refresh answers.</summary>
internal sealed record TokenPair(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt);

/// <summary>
/// Issues the tokens of a sign-in: a short-lived access JWT saying who the user is and what they may do, and the
/// first refresh token of a new family. Every sign-in method (password, Google, setup) ends here.
/// </summary>
internal interface ITokenIssuer
{
    Task<TokenPair> SignInAsync(User user, CancellationToken cancellationToken);
}
