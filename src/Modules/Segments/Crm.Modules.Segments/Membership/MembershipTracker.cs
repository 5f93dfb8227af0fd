using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Contracts;
using Crm.Modules.Segments.Domain;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Segments.Membership;

/// <summary>
/// Announces who enters and leaves saved segments. After index changes (and once a minute, for relative dates) it
/// evaluates every saved segment and compares the members with the last evaluation; a segment it has not seen
/// before (new, or after a restart) sets the baseline silently. An erased customer leaves without an announcement:
/// their erasure is its own event. Changes between the last check before a stop and the first after a start are not
/// announced.
/// </summary>
internal sealed partial class MembershipTracker(
    IDocumentStore store,
    AudienceIndex index,
    SavedSegments saved,
    TimeProvider time,
    IOptions<SegmentsOptions> options,
    ILogger<MembershipTracker> logger) : BackgroundService
{
    public const int MaxIdsPerEvent = 1000;
    private static readonly TimeSpan SegmentReload = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, (long Version, ulong[] Members)> _last = new(StringComparer.Ordinal);
    private long _seenChanges = -1;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _reloadedAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.AnnounceMembership)
        {
            return;
        }

        try
        {
            await index.Loaded.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception) when (!stoppingToken.IsCancellationRequested)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.MembershipInterval, time);
        do
        {
            try
            {
                await CheckAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure)
            {
                LogCheckFailed(logger, failure);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One check: evaluates the saved segments when something may have changed and publishes the differences.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _reloadedAt >= SegmentReload)
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
            _reloadedAt = now;
        }

        var segments = saved.All;
        var changes = index.Changes;
        var due = changes != _seenChanges
            || now - _checkedAt >= options.Value.MembershipRecheck
            || segments.Any(s => !_last.TryGetValue(s.Id, out var last) || last.Version != s.Version)
            || _last.Count != segments.Count;
        if (!due)
        {
            return;
        }

        _seenChanges = changes;
        _checkedAt = now;
        var announcements = new List<SegmentMembershipChangedIntegrationEvent>();
        using (SegmentsTelemetry.Source.StartActivity("segments.membership.check"))
        using (index.Read())
        {
            foreach (var segment in segments)
            {
                var members = segment.Plan.Evaluate(index, now);
                if (_last.TryGetValue(segment.Id, out var last))
                {
                    Announce(segment, last.Members, members, now, announcements);
                }
                else if (segment.Baseline is { } baseline)
                {
                    Announce(segment, baseline, members, now, announcements);
                }

                _last[segment.Id] = (segment.Version, members);
            }
        }

        foreach (var gone in _last.Keys.Where(id => saved.Find(id) is null).ToList())
        {
            _last.Remove(gone);
        }

        if (announcements.Count == 0)
        {
            return;
        }

        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            foreach (var announcement in announcements)
            {
                session.Publish(announcement);
            }

            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Announce(CompiledSegment segment, ulong[] before, ulong[] after, DateTimeOffset now, List<SegmentMembershipChangedIntegrationEvent> into)
    {
        var entered = new List<string>();
        var left = new List<string>();
        var live = index.Live;
        for (var w = 0; w < after.Length; w++)
        {
            var previous = w < before.Length ? before[w] : 0;
            var joined = after[w] & ~previous & live[w];
            var departed = previous & ~after[w] & live[w];
            Collect(joined, w, entered);
            Collect(departed, w, left);
        }

        SegmentsTelemetry.MembershipChanges.Add(entered.Count, new KeyValuePair<string, object?>("crm.segments.change", "entered"));
        SegmentsTelemetry.MembershipChanges.Add(left.Count, new KeyValuePair<string, object?>("crm.segments.change", "left"));
        for (var i = 0; i < Math.Max(entered.Count, left.Count); i += MaxIdsPerEvent)
        {
            into.Add(new SegmentMembershipChangedIntegrationEvent(
                segment.Id,
                segment.Version,
                [.. entered.Skip(i).Take(MaxIdsPerEvent)],
                [.. left.Skip(i).Take(MaxIdsPerEvent)])
            {
                OccurredAt = now,
            });
        }
    }

    private void Collect(ulong word, int w, List<string> into)
    {
        while (word != 0)
        {
            var bit = System.Numerics.BitOperations.TrailingZeroCount(word);
            word &= word - 1;
            into.Add(index.Ids.IdOf((w << 6) + bit));
        }
    }

    /// <summary>Reads the saved segments from the store, so segments saved by another host are tracked too.</summary>
    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var before = saved.All;
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var stored = await session.Query<Segment>().ToListAsync(cancellationToken).ConfigureAwait(false);
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var segment in stored)
            {
                ids.Add(segment.Id);
                saved.Compile(segment, index);
            }

            // Only segments known before the read: one saved while it ran is not in its answer yet.
            foreach (var known in before.Where(s => !ids.Contains(s.Id)))
            {
                saved.Remove(known.Id);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Checking segment membership failed; the next check tries again")]
    private static partial void LogCheckFailed(ILogger logger, Exception failure);
}
