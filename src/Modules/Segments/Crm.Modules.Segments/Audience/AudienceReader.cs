using System.Diagnostics;
using Crm.SharedKernel.Errors;

namespace Crm.Modules.Segments.Audience;

/// <summary>The members of a rule at one instant: their rows, how many, and out of how many live customers.</summary>
internal sealed record Evaluation(ulong[] Rows, long Count, long Total, DateTimeOffset EvaluatedAt, TimeSpan Took)
{
    public double Share => Total == 0 ? 0 : Math.Round((double)Count / Total, 6);
}

/// <summary>Evaluates compiled rules over the index for the API: waits for the index to load, times and counts the work.</summary>
internal sealed class AudienceReader(AudienceIndex index, TimeProvider time)
{
    public static readonly Error Loading = Error.Unavailable(
        "segments.audience_loading",
        "The audience index is still loading after a restart; try again in a few seconds.",
        TimeSpan.FromSeconds(5));

    private static readonly TimeSpan LoadWait = TimeSpan.FromSeconds(10);

    public AudienceIndex Index => index;

    public async Task<Result<Evaluation>> EvaluateAsync(AudiencePlan plan, string use, CancellationToken cancellationToken)
    {
        if (!await IsLoadedAsync(cancellationToken).ConfigureAwait(false))
        {
            return Loading;
        }

        using var activity = SegmentsTelemetry.Source.StartActivity("segments.evaluate");
        activity?.SetTag("crm.segments.use", use);
        var started = Stopwatch.GetTimestamp();
        var now = time.GetUtcNow();
        ulong[] rows;
        long total;
        using (index.Read())
        {
            rows = plan.Evaluate(index, now);
            total = index.LiveCount;
        }

        var count = Bitmaps.Count(rows);
        var took = Stopwatch.GetElapsedTime(started);
        SegmentsTelemetry.RecordEvaluation(use, took);
        activity?.SetTag("crm.segments.count", count);
        return new Evaluation(rows, count, total, now, took);
    }

    /// <summary>Ids of up to <paramref name="limit"/> matching rows, in row order.</summary>
    public IReadOnlyList<string> FirstIds(Evaluation evaluation, int limit)
    {
        var ids = new List<string>(limit);
        using (index.Read())
        {
            foreach (var row in Bitmaps.Rows(evaluation.Rows, Math.Min(evaluation.Rows.Length, index.Words)))
            {
                if (ids.Count == limit)
                {
                    break;
                }

                if (Bitmaps.Get(index.Live, row))
                {
                    ids.Add(index.Ids.IdOf(row));
                }
            }
        }

        return ids;
    }

    /// <summary>
    /// The matching ids after <paramref name="after"/> in id order, at most <paramref name="limit"/> of them (all when
    /// null): one pass keeping the smallest ids in a bounded heap, so a page costs no full sort.
    /// </summary>
    public IReadOnlyList<string> IdsAfter(Evaluation evaluation, string? after, int? limit)
    {
        var heap = new PriorityQueue<string, string>(Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)));
        var all = new List<string>();
        using (index.Read())
        {
            foreach (var row in Bitmaps.Rows(evaluation.Rows, Math.Min(evaluation.Rows.Length, index.Words)))
            {
                if (!Bitmaps.Get(index.Live, row))
                {
                    continue;
                }

                var id = index.Ids.IdOf(row);
                if (after is not null && string.CompareOrdinal(id, after) <= 0)
                {
                    continue;
                }

                if (limit is not { } max)
                {
                    all.Add(id);
                    continue;
                }

                if (heap.Count < max)
                {
                    heap.Enqueue(id, id);
                }
                else if (string.CompareOrdinal(id, heap.Peek()) < 0)
                {
                    heap.DequeueEnqueue(id, id);
                }
            }
        }

        if (limit is null)
        {
            all.Sort(StringComparer.Ordinal);
            return all;
        }

        var page = new List<string>(heap.Count);
        while (heap.TryDequeue(out var id, out _))
        {
            page.Add(id);
        }

        page.Reverse();
        return page;
    }

    private async Task<bool> IsLoadedAsync(CancellationToken cancellationToken)
    {
        if (index.Loaded.IsCompletedSuccessfully)
        {
            return true;
        }

        try
        {
            await index.Loaded.WaitAsync(LoadWait, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The load failed (logged by the loader): the index cannot answer until the host restarts.
            return false;
        }
    }
}
