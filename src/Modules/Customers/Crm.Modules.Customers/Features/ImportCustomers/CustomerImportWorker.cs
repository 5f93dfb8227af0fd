using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Customers.Features.ImportCustomers;

/// <summary>
/// Runs import jobs one at a time, in the order they were accepted (one writer: SQLite has one anyway, and a second
/// job would only slow the first). At start-up a job of this machine left running by a stopped process is marked
/// failed (its stored rows are kept; the client uploads again, which is safe because rows upsert by email), and its
/// jobs still queued are queued again, their uploads being on its disk.
/// </summary>
internal sealed partial class CustomerImportWorker(
    IServiceScopeFactory scopes,
    IDocumentStore store,
    ImportQueue queue,
    ImportFiles files,
    TimeProvider time,
    ILogger<CustomerImportWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RecoverUntilTheStoreAnswersAsync(stoppingToken).ConfigureAwait(false);
            await foreach (var jobId in queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunAsync(jobId, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping; a job cut short records that itself.
        }
    }

    private async Task RunAsync(string jobId, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<CustomerImportRunner>().RunAsync(jobId, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception fault) when (fault is not OperationCanceledException)
        {
            // The runner records what it can on the job; a fault here (the store down) must not stop later jobs.
            LogFault(logger, fault, jobId);
        }
    }

    /// <summary>
    /// A store that is down at start (MongoDB unreachable) must not stop the host: this worker is a background
    /// service, whose exception would end the process. It tries again until the store answers.
    /// </summary>
    private async Task RecoverUntilTheStoreAnswersAsync(CancellationToken stoppingToken)
    {
        var wait = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await RecoverAsync(stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (StoreUnavailableException fault)
            {
                LogRecoveryDeferred(logger, fault, wait);
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
            }
        }
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<CustomerImport> open;
        var host = Environment.MachineName;
        await using (var session = store.OpenSession())
        {
            open = await session.Query<CustomerImport>()
                .Where(j => (j.Status == ImportStatus.Queued || j.Status == ImportStatus.Running) && j.Host == host)
                .OrderBy(j => j.CreatedAt)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
        }

        foreach (var job in open)
        {
            if (job.Status == ImportStatus.Queued && File.Exists(files.UploadOf(job.Id)))
            {
                await queue.EnqueueAsync(job.Id, cancellationToken).ConfigureAwait(false);
                continue;
            }

            job.Status = ImportStatus.Failed;
            job.FinishedAt = time.GetUtcNow();
            job.Error = "The server restarted during the import. Rows counted as stored are kept; upload the file again to import the rest (rows upsert by email, so repeating them is safe).";
            await using var session = store.OpenSession();
            session.Store(job);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            File.Delete(files.UploadOf(job.Id));
            LogAbandoned(logger, job.Id);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Import {ImportId} could not be run")]
    private static partial void LogFault(ILogger logger, Exception exception, string importId);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Import {ImportId} was running when the server stopped; marked failed")]
    private static partial void LogAbandoned(ILogger logger, string importId);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "The store is unavailable; import recovery tries again in {Wait}")]
    private static partial void LogRecoveryDeferred(ILogger logger, Exception exception, TimeSpan wait);
}
