using Crm.SharedKernel.Documents;

namespace Crm.SharedKernel.Infrastructure.Outbox;

/// <summary>
/// The fact that one handler has handled one event (<c>crm.inbox</c>). It commits with the handler's own changes,
/// so a redelivered event finds it and has no effect.
/// </summary>
internal sealed class InboxRecord : IDocument
{
    public const string CollectionName = "crm.inbox";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Handler { get; set; } = "";

    /// <summary>Text rather than a Guid, so every engine stores it the same way.</summary>
    public string EventId { get; set; } = "";

    public DateTimeOffset HandledAt { get; set; }

    public static string IdFor(string handlerName, Guid eventId) => $"{handlerName}:{eventId:N}";
}
