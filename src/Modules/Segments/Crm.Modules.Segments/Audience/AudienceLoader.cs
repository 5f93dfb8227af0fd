using System.Diagnostics;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Segments.Audience;

/// <summary>
/// Rebuilds the audience index from Segments' own collections at start, streaming them once. Event handlers wait
/// for it (see <see cref="AudienceIndex.Loaded"/>), so a change handled during the load cannot be overwritten by the
/// older stored copy. Then, every few seconds, it links orders that named an email before its customer was known:
/// the order's and the customer's events travel in different streams, so each handler may miss the other.
/// </summary>
internal sealed partial class AudienceLoader(
    IDocumentStore store,
    AudienceIndex index,
    ILogger<AudienceLoader> logger) : BackgroundService
{
    private const int TextBytesPerCustomer = 48;
    private const int LinkBatch = 500;
    private static readonly TimeSpan LinkInterval = TimeSpan.FromSeconds(2);

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
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(LinkInterval, stoppingToken).ConfigureAwait(false);
                await LinkWaitingOrdersAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure)
            {
                LogLinkFailed(logger, failure);
            }
        }
    }

    /// <summary>Gives orders still waiting for their email's customer to that customer, when one is known by now.</summary>
    internal async Task LinkWaitingOrdersAsync(CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var waiting = await session.Query<AudienceOrder>()
                .Where(o => o.CustomerId == null && o.CustomerEmail != null)
                .Take(LinkBatch)
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            if (waiting.Count == 0)
            {
                return;
            }

            var emails = waiting.Select(o => o.CustomerEmail!).Distinct(StringComparer.Ordinal).ToList();
            var owners = await session.Query<AudienceProfile>()
                .Where(p => emails.Contains(p.Email))
                .ToListAsync(cancellationToken)
                .ConfigureAwait(false);
            var byEmail = owners.ToDictionary(p => p.Email, p => p.Id, StringComparer.Ordinal);
            var linked = new List<AudienceOrder>();
            foreach (var order in waiting)
            {
                if (byEmail.TryGetValue(order.CustomerEmail!, out var customerId))
                {
                    order.CustomerId = customerId;
                    order.CustomerEmail = null;
                    session.Upsert(order);
                    linked.Add(order);
                }
            }

            if (linked.Count == 0)
            {
                return;
            }

            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            foreach (var order in linked)
            {
                index.ApplyOrder(order);
            }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Linking orders to customers known by email failed; the next pass tries again")]
    private static partial void LogLinkFailed(ILogger logger, Exception failure);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audience index could not be loaded; previews answer 503 until the host restarts")]
    private static partial void LogLoadFailed(ILogger logger, Exception failure);
}
