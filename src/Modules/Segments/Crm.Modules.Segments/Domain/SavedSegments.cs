using System.Collections.Concurrent;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Rules;

namespace Crm.Modules.Segments.Domain;

/// <summary>
/// A saved segment's rules compiled once per version. <see cref="Baseline"/> holds the members when it was saved, so
/// the membership tracker announces everyone who joins after that moment, however soon.
/// </summary>
internal sealed record CompiledSegment(string Id, long Version, RuleGroup Rules, AudiencePlan Plan, ulong[]? Baseline = null);

/// <summary>
/// The compiled plans of saved segments, by id, shared by the members listing and the membership tracker. Writers
/// replace an entry after their commit; a reader with an older version than the store's recompiles.
/// </summary>
internal sealed class SavedSegments
{
    private readonly ConcurrentDictionary<string, CompiledSegment> _byId = new(StringComparer.Ordinal);

    public IReadOnlyCollection<CompiledSegment> All => [.. _byId.Values];

    public CompiledSegment? Find(string id) => _byId.GetValueOrDefault(id);

    public void Put(CompiledSegment segment) => _byId.AddOrUpdate(
        segment.Id, segment, (_, current) => current.Version > segment.Version ? current : segment);

    public void Remove(string id) => _byId.TryRemove(id, out _);

    /// <summary>
    /// Takes in a segment just committed: compiles it and notes as its baseline who <paramref name="before"/> (the
    /// rules it replaced; its own when new) matches now, so the tracker announces every change from this moment.
    /// </summary>
    public void Saved(Segment segment, AudienceIndex index, AudiencePlan? before, DateTimeOffset now)
    {
        if (Compile(segment, index) is not { } compiled || !index.Loaded.IsCompletedSuccessfully)
        {
            return;
        }

        using (index.Read())
        {
            Put(compiled with { Baseline = (before ?? compiled.Plan).Evaluate(index, now) });
        }
    }

    /// <summary>The compiled form of <paramref name="segment"/> at its stored version, compiling it when it is new or changed.</summary>
    public CompiledSegment? Compile(Segment segment, AudienceIndex index)
    {
        if (_byId.TryGetValue(segment.Id, out var known) && known.Version == segment.Version)
        {
            return known;
        }

        var rules = segment.ParseRules(index);
        if (rules.IsFailure)
        {
            return null;
        }

        var compiled = new CompiledSegment(segment.Id, segment.Version, rules.Value, AudiencePlan.Compile(rules.Value));
        Put(compiled);
        return compiled;
    }
}
