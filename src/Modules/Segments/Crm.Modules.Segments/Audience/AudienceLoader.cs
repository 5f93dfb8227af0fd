using System.Diagnostics;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// Rebuilds the audience index from Segments' own collections at start, streaming them once. Event handlers wait
/// for it (see <see cref="AudienceIndex.Loaded"/>), so a change handled during the load cannot be overwritten by the
/// older stored copy.
/// </summary>
internal sealed partial class AudienceLoader(
    IDocumentStore store,
    AudienceIndex index,
    ILogger<AudienceLoader> logger) : BackgroundService
{
    private const int TextBytesPerCustomer = 48;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await LoadAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            index.MarkFailed(new OperationCanceledException("The host stopped while the audience index was loading."));
        }
        catch (Exception failure)
        {
            LogLoadFailed(logger, failure);
            index.MarkFailed(failure);
        }
    }

    internal async Task LoadAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = SegmentsTelemetry.Source.StartActivity("segments.audience.load");
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var customers = await session.Query<AudienceProfile>().CountAsync(cancellationToken).ConfigureAwait(false);
            var orders = await session.Query<AudienceOrder>().Where(o => o.CustomerId != null).CountAsync(cancellationToken).ConfigureAwait(false);
            index.Reserve((int)customers, (int)orders, TextBytesPerCustomer);
            await foreach (var profile in session.Query<AudienceProfile>().StreamAsync(cancellationToken).ConfigureAwait(false))
            {
                index.Upsert(profile);
            }

            await foreach (var order in session.Query<AudienceOrder>().Where(o => o.CustomerId != null).StreamAsync(cancellationToken).ConfigureAwait(false))
            {
                index.ApplyOrder(order);
            }

            index.MarkLoaded();
            var elapsed = Stopwatch.GetElapsedTime(started);
            activity?.SetTag("segments.customers", customers);
            SegmentsTelemetry.LoadDuration.Record(elapsed.TotalSeconds);
            LogLoaded(logger, customers, orders, elapsed.TotalMilliseconds, index.Bytes / (1024 * 1024));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audience index loaded: {Customers} customers, {Orders} orders in {ElapsedMs:F0} ms, {MegaBytes} MiB")]
    private static partial void LogLoaded(ILogger logger, long customers, long orders, double elapsedMs, long megaBytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audience index could not be loaded; previews answer 503 until the host restarts")]
    private static partial void LogLoadFailed(ILogger logger, Exception failure);
}
