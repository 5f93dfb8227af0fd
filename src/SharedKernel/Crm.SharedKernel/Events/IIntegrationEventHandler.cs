using Crm.SharedKernel.Documents;

namespace Crm.SharedKernel.Events;

/// <summary>
/// Handles an integration event from another module (class names end in <c>IntegrationEventHandler</c>).
/// The dispatcher opens <paramref name="session"/> and commits it together with the inbox record, so the
/// handler's changes and the fact that it ran are atomic: a redelivered event has no effect.
/// The handler stages changes and does not call SaveChangesAsync itself.
/// </summary>
public interface IIntegrationEventHandler<in TEvent>
    where TEvent : IIntegrationEvent
{
    Task HandleAsync(TEvent integrationEvent, IDocumentSession session, CancellationToken cancellationToken);
}
