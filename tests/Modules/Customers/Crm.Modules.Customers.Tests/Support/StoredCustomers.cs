using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers.Tests.Support;

/// <summary>Reads customers straight from the store, as the module stored them.</summary>
internal static class StoredCustomers
{
    public static async Task<Customer?> ByEmailAsync(CrmHostFactory factory, string email)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        return await session.Query<Customer>().Where(c => c.Email == email).FirstOrDefaultAsync();
    }

    public static async Task<long> CountAsync(CrmHostFactory factory)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        return await session.Query<Customer>().CountAsync();
    }

    public static async Task StoreAsync(CrmHostFactory factory, Customer customer)
    {
        await using var session = factory.Services.GetRequiredService<IDocumentStore>().OpenSession();
        session.Store(customer);
        await session.SaveChangesAsync();
    }
}
