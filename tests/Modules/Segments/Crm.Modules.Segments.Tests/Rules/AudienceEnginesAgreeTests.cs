using System.Text;
using System.Text.Json;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Rules;
using NUnit.Framework;

namespace Crm.Modules.Segments.Tests.Rules;

/// <summary>
/// Random rules over random customers, with fixed seeds: the in-memory index and the document store's predicate
/// (on the real SQLite engine) must pick exactly the customers the reference picks.
/// </summary>
[TestFixture]
public sealed class AudienceEnginesAgreeTests
{
    private const int Customers = 300;
    private const int TreesPerSeed = 150;

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(20261215)]
    public async Task The_index_and_the_store_predicate_choose_the_customers_the_reference_chooses(int seed)
    {
        var random = new Random(seed);
        var audience = new RandomAudience(random, Customers);
        var rules = new RandomRules(random, audience);
        var reference = new ReferenceAudience(audience.Orders, audience.Now);
        using var index = Index(audience);
        await using var store = await AudienceStore.OpenAsync(audience.Customers);
        var windowTrees = 0;

        for (var t = 0; t < TreesPerSeed; t++)
        {
            var tree = rules.Tree();
            var json = rules.Json(tree);
            var parsed = RuleParser.Parse(json.DeepClone(), RandomRules.AttributeType);
            Assert.That(parsed.IsSuccess, Is.True, () => $"seed {seed}, tree {t} did not parse: {json.ToJsonString()}\n{JsonSerializer.Serialize(parsed.Error)}");
            var group = parsed.Value;
            var expected = audience.Customers.Where(c => reference.Matches(tree, c)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);

            HashSet<string> fromIndex;
            using (index.Read())
            {
                var bits = AudiencePlan.Compile(group).Evaluate(index, audience.Now);
                fromIndex = Bitmaps.Rows(bits, index.Words).Select(index.Ids.IdOf).ToHashSet(StringComparer.Ordinal);
            }

            Agree("index", fromIndex);
            if (!AudiencePredicate.CanRender(group))
            {
                windowTrees++;
                continue;
            }

            var predicate = AudiencePredicate.Render(group, audience.Now);
            Agree("SQLite", (await store.IdsAsync(predicate)).ToHashSet(StringComparer.Ordinal));

            void Agree(string engine, HashSet<string> found)
            {
                if (found.SetEquals(expected))
                {
                    return;
                }

                var differing = audience.Customers.First(c => found.Contains(c.Id) != expected.Contains(c.Id));
                Assert.Fail(new StringBuilder()
                    .AppendLine($"seed {seed}, tree {t}: the {engine} found {found.Count} customers, the reference {expected.Count}.")
                    .AppendLine($"sent:   {json.ToJsonString()}")
                    .AppendLine($"parsed: {RuleJson.Write(group).ToJsonString()}")
                    .AppendLine($"customer {differing.Id}, {(expected.Contains(differing.Id) ? "expected" : "not expected")}: {JsonSerializer.Serialize(differing)}")
                    .AppendLine($"orders: {JsonSerializer.Serialize(audience.Orders.Where(o => o.CustomerId == differing.Id))}")
                    .ToString());
            }
        }

        Assert.That(windowTrees, Is.GreaterThan(0), "some trees use order windows, which only the index answers");
    }

    private static AudienceIndex Index(RandomAudience audience)
    {
        var index = new AudienceIndex();
        foreach (var customer in audience.Customers)
        {
            index.Upsert(customer);
        }

        foreach (var order in audience.Orders)
        {
            index.ApplyOrder(order);
        }

        return index;
    }
}
