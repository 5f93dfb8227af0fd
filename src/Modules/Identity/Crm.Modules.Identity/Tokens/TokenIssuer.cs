using System.Security.Claims;
using System.Security.Cryptography;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Crm.Modules.Identity.Tokens;

/// <summary>Issues access JWTs (ES256) and the refresh tokens that renew them; see docs/decisions/0007.</summary>
internal sealed class TokenIssuer(IDocumentStore store, SigningKeys keys, IOptions<AuthOptions> options, TimeProvider time) : ITokenIssuer
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public async Task<TokenPair> SignInAsync(User user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var now = time.GetUtcNow();
        var (value, refresh) = NewRefreshToken(user.Id, familyId: DocumentId.New(time), now);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(refresh);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return Pair(user, now, value, refresh);
    }

    /// <summary>The access token for <paramref name="user"/> as they are now, and a refresh token already stored.</summary>
    public TokenPair Pair(User user, DateTimeOffset now, string refreshValue, RefreshToken refresh)
    {
        var (access, expires) = AccessToken(user, now);
        return new TokenPair(access, expires, refreshValue, refresh.ExpiresAt);
    }

    /// <summary>A new refresh token of <paramref name="familyId"/>: its value (shown once) and the document that keeps its hash.</summary>
    public (string Value, RefreshToken Document) NewRefreshToken(string userId, string familyId, DateTimeOffset now)
    {
        var value = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var document = new RefreshToken
        {
            Id = DocumentId.New(time),
            Hash = HashOf(value),
            FamilyId = familyId,
            UserId = userId,
            CreatedAt = now,
            ExpiresAt = now.AddDays(options.Value.RefreshTokenDays),
        };
        return (value, document);
    }

    public static string HashOf(string refreshToken) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(refreshToken)));

    private (string Token, DateTimeOffset ExpiresAt) AccessToken(User user, DateTimeOffset now)
    {
        var settings = options.Value.Jwt;
        var expires = now.AddMinutes(settings.AccessTokenMinutes);
        var claims = new List<Claim>
        {
            new(CrmClaimTypes.Subject, user.Id),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            new(CrmClaimTypes.Email, user.Email),
            new(CrmClaimTypes.Kind, CrmPrincipalKinds.User),
            new(CrmClaimTypes.SecurityStamp, user.SecurityStamp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (!string.IsNullOrWhiteSpace(user.Name))
        {
            claims.Add(new Claim(CrmClaimTypes.Name, user.Name));
        }

        if (Roles.Parse(user.Role) is { } role)
        {
            claims.Add(new Claim(CrmClaimTypes.Role, role));
            claims.AddRange(Roles.PermissionsOf(role).Select(p => new Claim(CrmClaimTypes.Permission, p)));
        }

        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = keys.Credentials,
        });
        return (token, expires);
    }
}
