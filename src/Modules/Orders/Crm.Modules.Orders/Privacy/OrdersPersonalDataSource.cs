using Crm.Modules.Orders.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Privacy;

namespace Crm.Modules.Orders.Privacy;

/// <summary>The <c>orders</c> section of a data-portability export: every order Crm holds for the person, newest first.</summary>
internal sealed class OrdersPersonalDataSource(IDocumentStore store) : IPersonalDataSource
{
    public string Section => "orders";

    public async Task<object?> ExportAsync(string customerId, string email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        var normalised = string.IsNullOrWhiteSpace(email) ? null : CustomerDirectory.NormaliseEmail(email);
        await using var session = store.OpenSession();
        var orders = new List<OrderResponse>();
        var query = normalised is null
            ? session.Query<Order>().Where(o => o.CustomerId == customerId)
            : session.Query<Order>().Where(o => o.CustomerId == customerId || (o.CustomerId == null && o.CustomerEmail == normalised));
        query = query.OrderByDescending(o => o.OrderedAt);
        await foreach (var order in query.StreamAsync(cancellationToken).ConfigureAwait(false))
        {
            orders.Add(OrderResponse.From(order));
        }

        return orders.Count == 0 ? null : orders;
    }
}
