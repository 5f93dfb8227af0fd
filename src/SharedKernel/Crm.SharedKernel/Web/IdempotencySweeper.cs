using Crm.SharedKernel.Documents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.SharedKernel.Web;

/// <summary>
/// Deletes expired <see cref="IdempotencyRecord"/>s. The middleware ignores them anyway; the sweep keeps the
/// collection (which holds response bodies, and so personal data) from growing past a day's worth.
/// </summary>
public sealed partial class IdempotencySweeper(
    IDocumentStore store,
    IOptions<IdempotencyOptions> options,
    TimeProvider time,
    ILogger<IdempotencySweeper> logger) : BackgroundService
{
    private const int BatchSize = 200;

    /// <summary>Deletes every record expired by now; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        while (true)
        {
            var now = time.GetUtcNow();
            IReadOnlyList<IdempotencyRecord> expired;
            var session = store.OpenSession();
            await using (session.ConfigureAwait(false))
            {
                expired = await session.Query<IdempotencyRecord>()
                    .Where(r => r.ExpiresAt <= now)
                    .OrderBy(r => r.ExpiresAt)
                    .Take(BatchSize)
                    .ToListAsync(cancellationToken)
                    .ConfigureAwait(false);
            }

            foreach (var record in expired)
            {
                // One commit each, guarded by the version read: a key claimed again meanwhile is not deleted.
                var delete = store.OpenSession();
                await using (delete.ConfigureAwait(false))
                {
                    delete.Delete<IdempotencyRecord>(record.Id, record.Version);
                    try
                    {
                        await delete.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                        deleted++;
                    }
                    catch (DocumentConflictException)
                    {
                    }
                }
            }

            if (expired.Count < BatchSize)
            {
                return deleted;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                var deleted = await SweepAsync(stoppingToken).ConfigureAwait(false);
                if (deleted > 0)
                {
                    LogSwept(logger, deleted);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogSweepFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Deleted {Count} expired idempotency keys")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Sweeping expired idempotency keys failed; next try at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
