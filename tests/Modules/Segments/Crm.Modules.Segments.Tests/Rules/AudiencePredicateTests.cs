using System.Text.Json.Nodes;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Rules;
using NUnit.Framework;

namespace Crm.Modules.Segments.Tests.Rules;

[TestFixture]
public sealed class AudiencePredicateTests
{
    private static readonly DateTimeOffset Now = RandomAudience.FixedNow;

    [Test]
    public void Rules_with_an_order_window_cannot_be_rendered_and_rendering_them_names_the_field()
    {
        var rules = Parse("""[{ "field": "city", "operator": "=", "value": "paris" }, { "field": "spend_in_last_days", "operator": ">", "value": 10, "days": 30 }]""");

        Assert.That(AudiencePredicate.CanRender(rules), Is.False);
        Assert.That(() => AudiencePredicate.Render(rules, Now), Throws.TypeOf<NotSupportedException>().With.Message.Contain("spend_in_last_days"));
    }

    [Test]
    public void Nullable_members_compare_with_a_converted_constant_of_their_own_type_as_csharp_compiles_them()
    {
        var predicate = AudiencePredicate.Render(Parse("""{ "field": "age", "operator": ">", "value": 30.5 }"""), Now);

        Assert.That(predicate.Body.ToString(), Is.EqualTo("(x.Age >= Convert(31, Nullable`1))"));
    }

    [Test]
    public async Task A_rendered_predicate_runs_on_sqlite_and_its_negations_match_missing_values()
    {
        var profiles = new[]
        {
            new AudienceProfile { Id = "a", Email = "ann@a.io", City = "paris", Tags = [], Attributes = new() { ["tier"] = new AudienceAttribute { Text = "gold" } } },
            new AudienceProfile { Id = "b", Email = "bob@b.io", City = "lyon", Tags = ["vip"], Age = 40 },
            new AudienceProfile { Id = "c", Email = "cy@a.io", Tags = ["new"], Attributes = new() { ["tier"] = new AudienceAttribute { Number = 3 } } },
        };
        await using var store = await AudienceStore.OpenAsync(profiles);

        async Task<IReadOnlyList<string>> Ids(string json) => await store.IdsAsync(AudiencePredicate.Render(Parse(json), Now));

        Assert.That(await Ids("""{ "combinator": "or", "rules": [{ "field": "tags", "operator": "is_empty" }, { "field": "age", "operator": ">", "value": 30 }] }"""), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(await Ids("""{ "field": "city", "operator": "not_in", "value": ["paris"] }"""), Is.EqualTo(new[] { "b", "c" }));
        Assert.That(await Ids("""{ "field": "email", "operator": "ends_with", "value": "@A.IO" }"""), Is.EqualTo(new[] { "a", "c" }));
        Assert.That(await Ids("""{ "field": "attributes.tier", "operator": "not_contains", "value": "ol" }"""), Is.EqualTo(new[] { "b", "c" }));
    }

    private static RuleGroup Parse(string json) => RuleParser.Parse(JsonNode.Parse(json), RandomRules.AttributeType).Value;
}
