using Crm.SharedKernel.Documents;

namespace Crm.Modules.Orders.Domain;

/// <summary>The customers of a set of orders, read from <c>orders.customers</c> in a few batched reads.</summary>
internal sealed class CustomerDirectory
{
    private const int ChunkSize = 500;

    private readonly IReadOnlyDictionary<string, OrderCustomer> _byId;
    private readonly Dictionary<string, OrderCustomer> _byEmail;

    private CustomerDirectory(IReadOnlyDictionary<string, OrderCustomer> byId, Dictionary<string, OrderCustomer> byEmail)
    {
        _byId = byId;
        _byEmail = byEmail;
    }

    public static async Task<CustomerDirectory> LoadAsync(
        IDocumentSession session,
        IEnumerable<OrderInput> inputs,
        CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var emails = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!string.IsNullOrWhiteSpace(input.CustomerId))
            {
                ids.Add(input.CustomerId.Trim());
            }
            else if (!string.IsNullOrWhiteSpace(input.CustomerEmail))
            {
                emails.Add(NormaliseEmail(input.CustomerEmail));
            }
        }

        var byId = ids.Count == 0
            ? new Dictionary<string, OrderCustomer>(StringComparer.Ordinal)
            : await session.LoadManyAsync<OrderCustomer>(ids, cancellationToken).ConfigureAwait(false);

        var byEmail = new Dictionary<string, OrderCustomer>(StringComparer.Ordinal);
        foreach (var chunk in emails.Chunk(ChunkSize))
        {
            var wanted = chunk.ToList();
            var found = await session.Query<OrderCustomer>()
                .Where(c => wanted.Contains(c.Email))
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);

            // Two copies may hold one email for a moment (an email moved between customers); the newest wins.
            foreach (var customer in found.OrderBy(c => c.CustomerVersion))
            {
                byEmail[customer.Email] = customer;
            }
        }

        return new CustomerDirectory(byId, byEmail);
    }

    public static string NormaliseEmail(string email) => email.Trim().ToLowerInvariant();

    public OrderCustomer? ById(string id) => _byId.GetValueOrDefault(id);

    public OrderCustomer? ByEmail(string email) => _byEmail.GetValueOrDefault(email);
}
