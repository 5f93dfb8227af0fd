using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Identity.Audit;

internal sealed partial class AuditLog(IDocumentStore store, TimeProvider time, ILogger<AuditLog> logger) : IAuditLog
{
    public async Task RecordAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entry = new AuditEntry
        {
            Id = DocumentId.New(time),
            Action = record.Action,
            ActorId = record.ActorId,
            ActorEmail = record.ActorEmail,
            TargetId = record.TargetId,
            Succeeded = record.Succeeded,
            Detail = record.Detail,
            IpAddress = record.IpAddress,
            At = time.GetUtcNow(),
        };
        try
        {
            await using var session = store.OpenSession();
            session.Store(entry);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The action already happened; losing its audit line is reported, never turned into a failed request.
            LogNotRecorded(logger, exception, record.Action);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "An audit entry for {Action} could not be recorded")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string action);
}
