using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Identity.Tokens;

/// <summary>Finding and revoking refresh tokens: a whole family (logout, reuse) or every family of a user (disable).</summary>
internal sealed class RefreshTokens(IDocumentStore store, TimeProvider time)
{
    public const string ReasonLogout = "logout";
    public const string ReasonReuse = "reuse";
    public const string ReasonUserDisabled = "user disabled";

    public async Task<RefreshToken?> FindAsync(string value, CancellationToken cancellationToken)
    {
        var hash = TokenIssuer.HashOf(value);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            return await session.Query<RefreshToken>().Where(t => t.Hash == hash).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<int> RevokeFamilyAsync(string familyId, string reason, CancellationToken cancellationToken) =>
        RevokeAsync(q => q.Where(t => t.FamilyId == familyId && t.RevokedAt == null), reason, cancellationToken);

    /// <summary>Ends every sign-in of <paramref name="userId"/>: for a disabled user, a reset password.</summary>
    public Task<int> RevokeAllOfUserAsync(string userId, string reason, CancellationToken cancellationToken) =>
        RevokeAsync(q => q.Where(t => t.UserId == userId && t.RevokedAt == null), reason, cancellationToken);

    private async Task<int> RevokeAsync(
        Func<IDocumentQuery<RefreshToken>, IDocumentQuery<RefreshToken>> select, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var tokens = await select(session.Query<RefreshToken>()).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var token in tokens)
            {
                token.RevokedAt = now;
                token.RevokedReason = reason;

                // Last writer wins: a revocation must not fail because a refresh touched the token meanwhile.
                session.Upsert(token);
            }

            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return tokens.Count;
        }
    }
}
