using Crm.Modules.Other.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;

namespace Crm.Modules.Broken;

/// <summary>Breaks the naming rule: a handler of an integration event whose name does not say so.</summary>
internal sealed class OtherThingWatcher : IIntegrationEventHandler<OtherThingHappenedIntegrationEvent>
{
    public Task HandleAsync(OtherThingHappenedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}

/// <summary>
/// Keeps every rule: correctly named, and it reaches the other module only through that module's contracts.
/// </summary>
internal sealed class OtherThingHappenedIntegrationEventHandler : IIntegrationEventHandler<OtherThingHappenedIntegrationEvent>
{
    public Task HandleAsync(OtherThingHappenedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}

/// <summary>Breaks the naming rule through a base class: the interface is inherited, not declared.</summary>
internal abstract class ReactionBase : IIntegrationEventHandler<OtherThingHappenedIntegrationEvent>
{
    public abstract Task HandleAsync(OtherThingHappenedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken);
}

internal sealed class OtherThingReaction : ReactionBase
{
    public override Task HandleAsync(OtherThingHappenedIntegrationEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
