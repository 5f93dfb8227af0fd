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
}
