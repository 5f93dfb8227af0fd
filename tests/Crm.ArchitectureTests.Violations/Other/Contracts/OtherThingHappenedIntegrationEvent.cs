using Crm.SharedKernel.Events;

namespace Crm.Modules.Other.Contracts;

public sealed record OtherThingHappenedIntegrationEvent(string OtherId) : IntegrationEvent
{
    public override string AggregateId => OtherId;
}
