using Crm.SharedKernel.Documents;

namespace Crm.Modules.Identity.Domain;

/// <summary>
/// One line of the audit log, stored in <c>identity.audit</c>: who did what to what, when, and whether it worked.
/// No passwords, tokens or keys ever; the actor's email is kept because an audit log must name people.
/// </summary>
internal sealed class AuditEntry : IDocument
{
    public const string Collection = "identity.audit";

    public string Id { get; set; } = "";

    public long Version { get; set; }

    /// <summary>One of <see cref="Audit.AuditActions"/>.</summary>
    public string Action { get; set; } = "";

    /// <summary>The user id or API key id that acted; null for an anonymous attempt.</summary>
    public string? ActorId { get; set; }

    public string? ActorEmail { get; set; }

    /// <summary>What was acted on: a user id, a key id, a campaign id.</summary>
    public string? TargetId { get; set; }

    public bool Succeeded { get; set; } = true;

    /// <summary>Why, for failures and changes (e.g. "bad password", "Viewer -> Marketer").</summary>
    public string? Detail { get; set; }

    public string? IpAddress { get; set; }

    public DateTimeOffset At { get; set; }
}
