using Crm.SharedKernel.Documents;

namespace Crm.Modules.Orders.Domain;

/// <summary>
/// Orders' own copy of who the customers are (<c>orders.customers</c>), fed by the Customers module's events: enough
/// to resolve an order's email to a customer id and to check a customer id exists. Never read from Customers' collections.
/// </summary>
internal sealed class OrderCustomer : IDocument
{
    public const string Collection = "orders.customers";

    /// <summary>The customer's id in the Customers module.</summary>
    public string Id { get; set; } = "";

    public long Version { get; set; }

    /// <summary>Lower case. Not unique here: two customers may swap emails and their events arrive in either order.</summary>
    public string Email { get; set; } = "";

    /// <summary>The Customers module's version of the snapshot this copy was taken from; older snapshots are ignored.</summary>
    public long CustomerVersion { get; set; }

    /// <summary>
    /// True once a later update than the one that wrote this email linked the orders still waiting for the id: orders
    /// that looked the email up after this copy was committed got the id at once, so further updates that leave the
    /// email alone have nothing to link and skip the query.
    /// </summary>
    public bool Backfilled { get; set; }
}
