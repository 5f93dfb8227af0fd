using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.Modules.Customers;

/// <summary>The module's tracing source and meter, both named "Crm.Customers". Instruments count, never name people.</summary>
internal static class CustomersTelemetry
{
    public const string Name = "Crm.Customers";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> CustomersCreated = Meter.CreateCounter<long>("crm.customers.created", description: "Customers created, by source.");

    public static readonly Counter<long> CustomersErased = Meter.CreateCounter<long>("crm.customers.erased", description: "Customers erased on request.");

    public static readonly Counter<long> VisitsRecorded = Meter.CreateCounter<long>("crm.customers.visits", description: "Visits recorded.");

    public static readonly Counter<long> OrderEventsApplied = Meter.CreateCounter<long>("crm.customers.order_events", description: "Order events applied to behavioural data, by event and effect.");
}
