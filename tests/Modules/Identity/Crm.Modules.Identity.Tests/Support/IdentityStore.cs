using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.Tests.Support;

/// <summary>Reads and changes the Identity module's documents in a test host's real store.</summary>
internal static class IdentityStore
{
    public static async Task<User> UserAsync(this CrmHostFactory factory, string email)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        var user = await session.Query<User>().Where(u => u.Email == email).FirstOrDefaultAsync();
        Assert.That(user, Is.Not.Null, $"no user {email}");
        return user!;
    }

    public static async Task ChangeUserAsync(this CrmHostFactory factory, string email, Action<User> change)
    {
        var user = await factory.UserAsync(email);
        change(user);
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        session.Store(user);
        await session.SaveChangesAsync();
    }

    public static async Task<IReadOnlyList<AuditEntry>> AuditAsync(this CrmHostFactory factory, string action)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        return await session.Query<AuditEntry>().Where(e => e.Action == action).ToListAsync();
    }

    public static async Task<long> UserCountAsync(this CrmHostFactory factory)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        return await session.Query<User>().CountAsync();
    }

    public static async Task ExpireRefreshTokensOfAsync(this CrmHostFactory factory, string userId)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        foreach (var token in await session.Query<RefreshToken>().Where(t => t.UserId == userId).ToListAsync())
        {
            token.ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1);
            session.Store(token);
        }

        await session.SaveChangesAsync();
    }
}
