using Crm.Modules.Other.Contracts;

namespace Crm.SharedKernel.Leaky;

/// <summary>Breaks "the shared kernel references no module": a kernel-namespaced type that knows a module's event.</summary>
public static class LeakyKernelType
{
    public static string Describe(OtherThingHappenedIntegrationEvent integrationEvent)
    {
        ArgumentNullException.ThrowIfNull(integrationEvent);
        return integrationEvent.OtherId;
    }
}
