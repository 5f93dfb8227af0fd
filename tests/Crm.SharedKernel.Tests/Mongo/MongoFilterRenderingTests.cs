using System.Linq.Expressions;
using Crm.SharedKernel.Infrastructure.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Mongo;

/// <summary>What the driver's LINQ provider sends for the port's predicates, under the store's conventions; needs no server.</summary>
public sealed class MongoFilterRenderingTests
{
    private RenderArgs<Shopper> _args;

    [OneTimeSetUp]
    public void RegisterConventions()
    {
        using var store = MongoTestStores.Unreachable(out _);
        _args = new RenderArgs<Shopper>(BsonSerializer.LookupSerializer<Shopper>(), BsonSerializer.SerializerRegistry);
    }

    [Test]
    public void A_nested_path_renders_as_a_dotted_camel_case_field() =>
        Assert.That(Render(s => s.Address!.City == "Oslo"), Is.EqualTo("""{ "address.city" : "Oslo" }"""));

    [Test]
    public void A_dictionary_value_by_key_renders_as_a_sub_document_field() =>
        Assert.That(Render(s => s.Attributes["plan"] == "pro"), Is.EqualTo("""{ "attributes.plan" : "pro" }"""));

    [Test]
    public void Membership_of_an_array_field_renders_as_an_equality_on_the_array()
    {
        Assert.That(Render(s => Enumerable.Contains(s.Tags, "vip")), Is.EqualTo("""{ "tags" : "vip" }"""));
        Assert.That(Render(s => s.Labels.Contains("vip")), Is.EqualTo("""{ "labels" : "vip" }"""));
    }

    [Test]
    public void A_list_element_by_position_renders_as_a_dotted_index_so_a_missing_first_element_means_empty() =>
        Assert.That(Render(s => s.Labels[0] == null), Is.EqualTo("""{ "labels.0" : null }"""));

    [Test]
    public void A_captured_list_hash_set_or_array_renders_as_in()
    {
        var list = new List<string> { "a", "b" };
        var set = new HashSet<string> { "a", "b" };
        string[] array = ["a", "b"];

        Assert.That(Render(s => list.Contains(s.Id)), Is.EqualTo("""{ "_id" : { "$in" : ["a", "b"] } }"""));
        Assert.That(Render(s => set.Contains(s.Id)), Is.EqualTo("""{ "_id" : { "$in" : ["a", "b"] } }"""));
        Assert.That(Render(s => Enumerable.Contains(array, s.Id)), Is.EqualTo("""{ "_id" : { "$in" : ["a", "b"] } }"""));
    }

    [Test]
    public void StartsWith_renders_as_an_anchored_case_sensitive_regex_with_the_prefix_escaped() =>
        Assert.That(
            Render(s => s.Name.StartsWith("A.b")),
            Is.EqualTo("""{ "name" : { "$regularExpression" : { "pattern" : "^A\\.b", "options" : "s" } } }"""));

    [Test]
    public void Contains_and_EndsWith_render_as_case_sensitive_regexes_with_the_text_escaped()
    {
        Assert.That(Render(s => s.Name.Contains("A.b")), Is.EqualTo("""{ "name" : { "$regularExpression" : { "pattern" : "A\\.b", "options" : "s" } } }"""));
        Assert.That(Render(s => s.Name.EndsWith("A.b")), Is.EqualTo("""{ "name" : { "$regularExpression" : { "pattern" : "A\\.b$", "options" : "s" } } }"""));
    }

    [Test]
    public void Not_equal_renders_as_ne_which_also_matches_a_missing_field() =>
        Assert.That(Render(s => s.Name != "Ada"), Is.EqualTo("""{ "name" : { "$ne" : "Ada" } }"""));

    [Test]
    public void Negated_comparison_renders_as_not_which_also_matches_a_missing_field() =>
        Assert.That(Render(s => !(s.Age > 3)), Is.EqualTo("""{ "age" : { "$not" : { "$gt" : 3 } } }"""));

    [Test]
    public void Constants_are_written_as_the_field_stores_them()
    {
        Assert.That(Render(s => s.Tier == Tier.Gold), Is.EqualTo("""{ "tier" : "Gold" }"""));
        Assert.That(Render(s => s.Spent >= 10.50m), Is.EqualTo("""{ "spent" : { "$gte" : { "$numberDecimal" : "10.50" } } }"""));
        Assert.That(Render(s => s.Email == null), Is.EqualTo("""{ "email" : null }"""));
    }

    private string Render(Expression<Func<Shopper, bool>> predicate)
    {
        MongoQuerySubset.EnsurePredicate(predicate);
        return Builders<Shopper>.Filter.Where(predicate).Render(_args).ToJson();
    }
}
