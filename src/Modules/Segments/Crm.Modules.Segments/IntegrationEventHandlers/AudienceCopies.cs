using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Contracts;
using Crm.Modules.Segments.Audience;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Segments.IntegrationEventHandlers;

/// <summary>
/// Keeps <c>segments.audience</c>, <c>segments.audience_orders</c> and the in-memory index in step with Customers and
/// Orders events. The index takes a change once the dispatcher has committed it, so a preview never counts a customer
/// whose profile the store does not hold yet, and a failed commit leaves the index as it was.
/// </summary>
internal sealed class AudienceCopies(AudienceIndex index)
{
    public async Task ApplyCustomerAsync(IDocumentSession session, CustomerSnapshot customer, bool created, CancellationToken cancellationToken)
    {
        await index.Loaded.WaitAsync(cancellationToken).ConfigureAwait(false);
        var existing = await session.LoadAsync<AudienceProfile>(customer.Id, cancellationToken).ConfigureAwait(false);
        if (existing is not null && customer.Version < existing.CustomerVersion)
        {
            return;
        }

        var profile = AudienceProfile.From(customer, existing);
        session.Upsert(profile);
        session.AfterCommit(() => index.Upsert(profile));
        if (existing is null)
        {
            // An order placed by id can be handled before its customer's creation (two streams, no order between them).
            var id = profile.Id;
            var placed = await session.Query<AudienceOrder>().Where(o => o.CustomerId == id).ToListAsync(cancellationToken).ConfigureAwait(false);
            session.AfterCommit(() =>
            {
                foreach (var order in placed)
                {
                    index.ApplyOrder(order);
                }
            });
        }

        if (!created && existing is not null && existing.Email == profile.Email)
        {
            return;
        }

        // Orders that named this email before the customer was known here now count for them.
        var email = profile.Email;
        var waiting = await session.Query<AudienceOrder>()
            .Where(o => o.CustomerEmail == email && o.CustomerId == null)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        foreach (var order in waiting)
        {
            order.CustomerId = profile.Id;
            order.CustomerEmail = null;
            session.Upsert(order);
            session.AfterCommit(() => index.ApplyOrder(order));
        }
    }

    public async Task EraseAsync(IDocumentSession session, string customerId, string email, CancellationToken cancellationToken)
    {
        await index.Loaded.WaitAsync(cancellationToken).ConfigureAwait(false);
        session.Delete<AudienceProfile>(customerId);
        var theirs = await session.Query<AudienceOrder>()
            .Where(o => o.CustomerId == customerId || o.CustomerEmail == email)
            .SelectAsync(o => o.Id, cancellationToken)
            .ConfigureAwait(false);
        foreach (var id in theirs)
        {
            session.Delete<AudienceOrder>(id);
        }

        session.AfterCommit(() => index.Erase(customerId));
    }

    public async Task ApplyOrderAsync(IDocumentSession session, OrderSnapshot order, CancellationToken cancellationToken)
    {
        await index.Loaded.WaitAsync(cancellationToken).ConfigureAwait(false);
        var customerId = order.CustomerId;
        var email = order.CustomerEmail?.Trim().ToLowerInvariant();
        if (customerId is null && email is not null)
        {
            var known = await session.Query<AudienceProfile>()
                .Where(p => p.Email == email)
                .SelectAsync(p => p.Id, cancellationToken)
                .ConfigureAwait(false);
            customerId = known.Count > 0 ? known[0] : null;
        }

        var copy = new AudienceOrder
        {
            Id = order.OrderId,
            CustomerId = customerId,
            CustomerEmail = customerId is null ? email : null,
            OrderedAt = AudienceProfile.ToSecond(order.OrderedAt),
            Amount = order.BaseAmount,
            Counted = order.Status is OrderStatus.Placed or OrderStatus.Paid,
        };
        session.Upsert(copy);
        session.AfterCommit(() => index.ApplyOrder(copy));
    }
}
