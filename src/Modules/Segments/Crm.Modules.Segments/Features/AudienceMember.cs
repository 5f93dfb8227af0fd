using Crm.Modules.Segments.Audience;
using Crm.SharedKernel.Documents;

namespace Crm.Modules.Segments.Features;

/// <summary>A customer as a segment shows them: contact, place and the behaviour marketers segment on most.</summary>
internal sealed record AudienceMember(
    string Id,
    string Email,
    string? Name,
    string? Phone,
    string? City,
    string? Country,
    decimal TotalSpent,
    int OrderCount,
    int VisitCount,
    DateTimeOffset? LastOrderAt,
    double? EngagementScore)
{
    public static AudienceMember From(AudienceProfile p) => new(
        p.Id, p.Email, p.Name, p.Phone, p.CityName, p.Country?.ToUpperInvariant(), p.TotalSpent, p.OrderCount, p.VisitCount, p.LastOrderAt, p.EngagementScore);

    /// <summary>The stored profiles of <paramref name="ids"/>, in that order; an id erased meanwhile is left out.</summary>
    public static async Task<IReadOnlyList<AudienceMember>> LoadAsync(IDocumentStore store, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var found = await session.LoadManyAsync<AudienceProfile>(ids, cancellationToken).ConfigureAwait(false);
            return ids.Where(found.ContainsKey).Select(id => From(found[id])).ToList();
        }
    }
}
