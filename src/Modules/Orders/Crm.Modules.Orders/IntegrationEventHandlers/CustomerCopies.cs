using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Domain;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Orders.IntegrationEventHandlers;

/// <summary>Keeps <c>orders.customers</c> in step with the Customers module and links email-only orders to their customer.</summary>
internal static class CustomerCopies
{
    public static async Task ApplyAsync(IDocumentSession session, CustomerSnapshot customer, CancellationToken cancellationToken)
    {
        var id = customer.Id;
        var email = customer.Email;
        var copy = await session.LoadAsync<OrderCustomer>(id, cancellationToken).ConfigureAwait(false);
        if (copy is not null && customer.Version < copy.CustomerVersion)
        {
            return;
        }

        // Most updates are behavioural data: once the copy has the email and the orders placed before it are linked,
        // such an update changes nothing here and costs one read.
        if (copy is { Backfilled: true } && copy.Email == email)
        {
            return;
        }

        // The copy is written only when what Orders keeps (the email) changes, and once more to note the backfill.
        if (copy is null || copy.Email != email)
        {
            var emailChanged = copy is not null;
            copy ??= new OrderCustomer { Id = id };
            copy.Email = email;
            copy.CustomerVersion = customer.Version;
            copy.Backfilled = false;
            session.Upsert(copy);

            if (emailChanged)
            {
                // Listing by email shows the customer's orders under the address they use now.
                var theirs = await session.Query<Order>().Where(o => o.CustomerId == id).SelectAsync(o => o.Id, cancellationToken).ConfigureAwait(false);
                foreach (var orderId in theirs)
                {
                    session.Patch<Order>(orderId, p => p.Set(o => o.CustomerEmail, email));
                }
            }
        }

        else
        {
            // The copy was committed by an earlier delivery, so an order that looks this email up from now on finds it;
            // the query below links those that looked it up before, and later updates need not ask again.
            copy.Backfilled = true;
            session.Upsert(copy);
        }

        // Orders placed by email before this customer was known here, including the order that created them. Also
        // run on the first update after: an order committed while the creation was being handled is linked then.
        var unlinked = await session.Query<Order>()
            .Where(o => o.CustomerEmail == email && o.CustomerId == null)
            .SelectAsync(o => o.Id, cancellationToken)
            .ConfigureAwait(false);
        foreach (var orderId in unlinked)
        {
            session.Patch<Order>(orderId, p => p.Set(o => o.CustomerId, id));
        }
    }
}
