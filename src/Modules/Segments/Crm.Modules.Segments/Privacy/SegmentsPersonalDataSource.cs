using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Privacy;

namespace Crm.Modules.Segments.Privacy;

/// <summary>
/// The <c>segments</c> section of a data-portability export: the saved segments the person belongs to now (the
/// profiling a marketer applies to them). The profile copy itself repeats the customer's own section, so it is not repeated.
/// </summary>
internal sealed class SegmentsPersonalDataSource(IDocumentStore store, AudienceIndex index, SavedSegments saved, TimeProvider time) : IPersonalDataSource
{
    public string Section => "segments";

    public async Task<object?> ExportAsync(string customerId, string email, CancellationToken cancellationToken)
    {
        await index.Loaded.WaitAsync(cancellationToken).ConfigureAwait(false);
        var session = store.OpenSession();
        IReadOnlyList<Segment> segments;
        await using (session.ConfigureAwait(false))
        {
            segments = await session.Query<Segment>().ToListAsync(cancellationToken).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        var compiled = segments.Select(s => (Segment: s, Compiled: saved.Compile(s, index))).ToList();
        var memberOf = new List<object>();
        using (index.Read())
        {
            var row = index.Ids.Find(customerId);
            if (row < 0)
            {
                return null;
            }

            foreach (var (segment, plan) in compiled)
            {
                if (plan is not null && Bitmaps.Get(plan.Plan.Evaluate(index, now), row))
                {
                    memberOf.Add(new { segment.Id, segment.Name, segment.Description });
                }
            }
        }

        return memberOf.Count == 0 ? null : new { MemberOf = memberOf, EvaluatedAt = now };
    }
}
