using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Identity.SignIn;

/// <summary>Reads and guarded writes of users for sign-in.</summary>
internal static class Users
{
    public static async Task<User?> FindByEmailAsync(IDocumentStore store, string normalisedEmail, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            return await session.Query<User>().Where(u => u.Email == normalisedEmail).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<bool> AnyAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            return await session.Query<User>().Take(1).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false) is not null;
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the stored user and saves it under its version, reloading and applying
    /// again when a concurrent sign-in saved first, so that no failed attempt is lost from the lockout count.
    /// </summary>
    public static async Task<User?> UpdateAsync(IDocumentStore store, User user, Action<User> change, CancellationToken cancellationToken)
    {
        const int Attempts = 5;
        var current = user;
        for (var attempt = 1; ; attempt++)
        {
            change(current);
            try
            {
                await SaveAsync(store, current, cancellationToken).ConfigureAwait(false);
                return current;
            }
            catch (DocumentConflictException) when (attempt < Attempts)
            {
                current = await LoadAsync(store, user.Id, cancellationToken).ConfigureAwait(false);
                if (current is null)
                {
                    return null;
                }
            }
        }
    }

    public static async Task<User?> LoadAsync(IDocumentStore store, string id, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            return await session.LoadAsync<User>(id, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task SaveAsync(IDocumentStore store, User user, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(user);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
