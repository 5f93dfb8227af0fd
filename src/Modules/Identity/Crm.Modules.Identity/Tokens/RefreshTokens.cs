using System.Linq.Expressions;
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

    public async Task<int> RevokeFamilyAsync(string familyId, string reason, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var revoked = await StageRevocationAsync(session, t => t.FamilyId == familyId && t.RevokedAt == null, reason, cancellationToken)
                .ConfigureAwait(false);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return revoked;
        }
    }

    /// <summary>
    /// Stages the revocation of every live token of <paramref name="userId"/> in <paramref name="session"/>, so that it
    /// commits with the caller's own change (disabling the user): there is no moment where one holds and not the other.
    /// </summary>
    public Task<int> StageRevokeAllOfUserAsync(IDocumentSession session, string userId, string reason, CancellationToken cancellationToken) =>
        StageRevocationAsync(session, t => t.UserId == userId && t.RevokedAt == null, reason, cancellationToken);

    private async Task<int> StageRevocationAsync(
        IDocumentSession session, Expression<Func<RefreshToken, bool>> live, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var tokens = await session.Query<RefreshToken>().Where(live).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var token in tokens)
        {
            // A patch, not a stored copy: a revocation must not fail, nor undo what a refresh wrote meanwhile.
            session.Patch<RefreshToken>(token.Id, patch => patch.Set(x => x.RevokedAt, now).Set(x => x.RevokedReason, reason));
        }

        return tokens.Count;
    }
}
