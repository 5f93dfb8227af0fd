using System.Text.Json.Nodes;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Rules;

namespace Crm.Modules.Segments.Tests.Support;

/// <summary>Builds an in-memory audience index from profiles and asks it who matches rules written as JSON.</summary>
internal sealed class Audiences : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string> _nameById = new(StringComparer.Ordinal);

    public AudienceIndex Index { get; } = new();

    public Audiences(params AudienceProfile[] profiles)
    {
        foreach (var profile in profiles)
        {
            Add(profile);
        }

        Index.MarkLoaded();
    }

    public void Add(AudienceProfile profile)
    {
        _nameById[profile.Id] = profile.NameKey ?? profile.Id;
        Index.Upsert(profile);
    }

    public static AudienceProfile Profile(string name, Action<AudienceProfile>? change = null)
    {
        var profile = new AudienceProfile
        {
            Id = Crm.SharedKernel.Documents.DocumentId.New(),
            Email = name + "@example.com",
            EmailDomain = "example.com",
            Name = name,
            NameKey = name,
            CreatedAt = Now.AddDays(-100),
        };
        change?.Invoke(profile);
        return profile;
    }

    public static RuleGroup Parse(string json, Func<string, Contracts.SegmentFieldType?>? attributes = null)
    {
        var result = RuleParser.Parse(JsonNode.Parse(json), attributes ?? (_ => null));
        Assert.That(result.IsSuccess, Is.True, () => $"{json} did not parse: {string.Join("; ", result.Error!.FieldErrors?.Select(e => e.Key + ": " + string.Join(",", e.Value)) ?? [result.Error.Message])}");
        return result.Value;
    }

    /// <summary>The names of the customers matching <paramref name="json"/>, sorted.</summary>
    public IReadOnlyList<string> Match(string json, DateTimeOffset? now = null)
    {
        var rules = Parse(json, Index.AttributeType);
        using var read = Index.Read();
        var rows = AudiencePlan.Compile(rules).Evaluate(Index, now ?? Now);
        return Bitmaps.Rows(rows, Index.Words).Select(row => _nameById[Index.Ids.IdOf(row)]).Order(StringComparer.Ordinal).ToList();
    }

    public void Dispose() => Index.Dispose();
}
