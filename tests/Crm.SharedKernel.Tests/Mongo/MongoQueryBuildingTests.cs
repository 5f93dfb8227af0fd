using System.Net;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Mongo;

/// <summary>The commands the engine builds from the port's calls, checked without a server.</summary>
public sealed class MongoQueryBuildingTests
{
    private MongoDocumentStore _store = null!;

    [OneTimeSetUp]
    public void CreateStore() => _store = MongoTestStores.Unreachable(out _);

    [OneTimeTearDown]
    public void DisposeStore() => _store.Dispose();

    [Test]
    public void Constructs_outside_the_subset_fail_when_added_naming_the_construct()
    {
        var query = Query();

        Assert.That(() => query.Where(s => s.Name.ToLower() == "ada"), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("String.ToLower"));
        Assert.That(() => query.Where(s => s.Name.StartsWith("A", StringComparison.Ordinal)), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("StringComparison"));
        Assert.That(() => query.Where(s => s.Name.Contains("d", StringComparison.Ordinal)), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("StringComparison"));
        Assert.That(() => query.Where(s => s.Name.EndsWith("d", StringComparison.Ordinal)), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("StringComparison"));
        Assert.That(() => query.Where(s => s.Name.Contains('d')), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("Char"));
        Assert.That(() => query.Where(s => s.Name.Trim().Contains("d")), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("member path"));
        Assert.That(() => query.Where(s => s.Age > s.Age), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("two fields"));
        Assert.That(() => query.Where(s => s.Age + 1 > 3), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("Add"));
        Assert.That(() => query.Where(s => s.Name.Length > 3), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("Length"));
        Assert.That(() => query.Where(s => s.Labels.Any(l => l == "x")), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("Enumerable.Any"));
        string[] names = ["Ada"];
        Assert.That(() => query.Where(s => names.Contains(s.Name)), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("Enumerable.Contains(array, x.Field)"));
        Assert.That(() => query.Where(s => (s.Email ?? s.Name) == "Ada"), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("Coalesce"));
        Assert.That(() => query.OrderBy(s => s.Name.ToUpperInvariant()), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("not a member path"));
        Assert.That(() => query.Where(s => s.Tier > Tier.Bronze), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("enum"));
        Assert.That(() => query.Where(s => Tier.Bronze <= s.Tier), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("enum"));
    }

    [Test]
    public void Predicates_of_the_subset_are_accepted_and_combined_with_and()
    {
        var since = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var ids = new List<string> { "a", "b" };
        var query = Query()
            .Where(s => s.JoinedAt >= since && (s.Tier == Tier.Gold || s.Age == null))
            .Where(s => ids.Contains(s.Id) && s.Age.HasValue && !s.Labels.Contains("blocked"));

        Assert.That(FilterOf(query)["$and"].AsBsonArray, Has.Count.EqualTo(2));
    }

    [Test]
    public void Results_are_sorted_by_the_keys_then_by_id()
    {
        var query = Query().OrderByDescending(s => s.Spent).OrderBy(s => s.Address!.City);

        Assert.That(((MongoDocumentQuery<Shopper>)query).SortDocument(), Is.EqualTo(new BsonDocument { { "spent", -1 }, { "address.city", 1 }, { "_id", 1 } }));
    }

    [Test]
    public void Keyset_after_an_ascending_key_takes_greater_keys_or_equal_keys_with_greater_ids()
    {
        var query = Query().OrderBy(s => s.Name).After("Ada", "id7");

        Assert.That(FilterOf(query).ToJson(), Is.EqualTo(
            """{ "$or" : [{ "name" : { "$gt" : "Ada" } }, { "$and" : [{ "name" : "Ada" }, { "_id" : { "$gt" : "id7" } }] }] }"""));
    }

    [Test]
    public void Keyset_after_a_descending_key_takes_smaller_keys_and_the_missing_ones_that_sort_last()
    {
        var query = Query().OrderByDescending(s => s.Spent).After(10, "id7");

        Assert.That(FilterOf(query).ToJson(), Is.EqualTo(
            """{ "$or" : [{ "$or" : [{ "spent" : { "$lt" : { "$numberDecimal" : "10" } } }, { "spent" : null }] }, { "$and" : [{ "spent" : { "$numberDecimal" : "10" } }, { "_id" : { "$gt" : "id7" } }] }] }"""));
    }

    [Test]
    public void Keyset_after_a_null_ascending_key_takes_every_present_key_or_nulls_with_greater_ids()
    {
        var query = Query().OrderBy(s => s.Age).After(null, "id7");

        Assert.That(FilterOf(query).ToJson(), Is.EqualTo(
            """{ "$or" : [{ "age" : { "$ne" : null } }, { "$and" : [{ "age" : null }, { "_id" : { "$gt" : "id7" } }] }] }"""));
    }

    [Test]
    public void Keyset_values_must_match_the_sort_keys_plus_the_id() =>
        Assert.That(() => FilterOf(Query().OrderBy(s => s.Name).After("Ada")), Throws.ArgumentException.With.Message.Contain("then its id"));

    [Test]
    public void Keyset_paging_without_the_last_id_is_refused_rather_than_repeating_rows() =>
        Assert.That(() => FilterOf(Query().OrderBy(s => s.Name).After("Ada", null)), Throws.ArgumentException.With.Message.Contain("id was null"));

    [Test]
    public void A_projection_fetches_only_the_top_level_fields_it_reads()
    {
        var binding = _store.Binding<Shopper>();

        Assert.That(
            binding.FieldsReadBy((System.Linq.Expressions.Expression<Func<Shopper, string>>)(s => s.Name + "/" + s.Address!.City)),
            Is.EqualTo(new BsonDocument { { "_id", 1 }, { "name", 1 }, { "address", 1 } }));
        Assert.That(binding.FieldsReadBy((System.Linq.Expressions.Expression<Func<Shopper, string>>)(s => Describe(s))), Is.Null);
    }

    [Test]
    public void A_patch_is_one_update_that_raises_the_version_with_exact_decimal_increments_and_null_as_unset()
    {
        var binding = _store.Binding<Shopper>();
        var patch = new MongoDocumentPatch<Shopper>(binding);
        patch.Increment(s => s.Spent, 0.10m).Increment(s => s.Totals["eur"], 1.5m).Set(s => s.Tier, Tier.Gold).Set(s => s.Email, null)
            .Max(s => s.JoinedAt, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.That(patch.Render(), Is.EqualTo(BsonDocument.Parse("""
            {
              "$inc" : { "spent" : { "$numberDecimal" : "0.10" }, "totals.eur" : { "$numberDecimal" : "1.5" }, "version" : { "$numberLong" : "1" } },
              "$set" : { "tier" : "Gold" },
              "$unset" : { "email" : 1 },
              "$max" : { "joinedAt" : { "$date" : "2025-01-01T00:00:00Z" } }
            }
            """)));
    }

    [Test]
    public void Changes_of_one_field_in_one_patch_add_up_as_they_would_applied_in_turn()
    {
        var at = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var patch = new MongoDocumentPatch<Shopper>(_store.Binding<Shopper>());
        patch.Increment(s => s.Spent, 0.10m).Increment(s => s.Spent, 0.25m)
            .Max(s => s.JoinedAt, at.AddDays(3)).Max(s => s.JoinedAt, at)
            .Set(s => s.Tier, Tier.Gold).Set(s => s.Tier, Tier.Bronze)
            .Set(s => s.Email, "a@b.c").Set(s => s.Email, null);

        Assert.That(patch.Render(), Is.EqualTo(BsonDocument.Parse("""
            {
              "$inc" : { "spent" : { "$numberDecimal" : "0.35" }, "version" : { "$numberLong" : "1" } },
              "$max" : { "joinedAt" : { "$date" : "2025-01-04T00:00:00Z" } },
              "$set" : { "tier" : "Bronze" },
              "$unset" : { "email" : 1 }
            }
            """)));
    }

    [Test]
    public void A_field_changed_two_different_ways_in_one_patch_is_refused_when_staged()
    {
        var patch = new MongoDocumentPatch<Shopper>(_store.Binding<Shopper>());
        patch.Increment(s => s.Spent, 1m).Max(s => s.Spent, 5m);

        Assert.That(() => patch.Render(), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("spent"));
    }

    [Test]
    public void A_patch_of_the_id_or_the_version_is_refused_as_on_sqlite()
    {
        var patch = new MongoDocumentPatch<Shopper>(_store.Binding<Shopper>());

        Assert.That(() => patch.Set(s => s.Id, "other"), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("cannot be patched"));
        Assert.That(() => patch.Increment(s => s.Version, 1L), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("cannot be patched"));
        Assert.That(() => patch.Max(s => s.Version, 7L), Throws.TypeOf<UnsupportedQueryException>().With.Message.Contain("cannot be patched"));
    }

    [Test]
    public void An_upsert_replaces_the_document_as_a_literal_and_raises_the_stored_version()
    {
        var update = UpsertWrite<Shopper>.Replacement(new BsonDocument { { "_id", "s1" }, { "name", "$notAPath" }, { "version", 4L } });
        var rendered = update.Render(new RenderArgs<BsonDocument>(MongoDB.Bson.Serialization.Serializers.BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry));

        Assert.That(rendered, Is.EqualTo(BsonSerializer.Deserialize<BsonArray>(
            """[{ "$replaceWith" : { "$mergeObjects" : [{ "$literal" : { "_id" : "s1", "name" : "$notAPath" } }, { "version" : { "$add" : [{ "$ifNull" : ["$version", NumberLong(0)] }, NumberLong(1)] } }] } }]""")));
    }

    [Test]
    public void Declared_indexes_are_named_by_path_and_unique_ones_are_partial_on_existence()
    {
        var indexes = _store.Binding<Shopper>().Indexes;

        Assert.That(indexes.Select(i => (i.Name, i.Path, i.Unique)), Is.EqualTo(new[] { ("ux_email", "email", true), ("ix_address.city", "address.city", false) }));
        var args = new RenderArgs<BsonDocument>(MongoDB.Bson.Serialization.Serializers.BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);
        var unique = (CreateIndexOptions<BsonDocument>)indexes[0].ToModel().Options;
        var plain = (CreateIndexOptions<BsonDocument>)indexes[1].ToModel().Options;
        Assert.That(unique.PartialFilterExpression.Render(args), Is.EqualTo(new BsonDocument("email", new BsonDocument("$exists", true))));
        Assert.That(plain.PartialFilterExpression, Is.Null);
    }

    [Test]
    public void A_duplicate_key_error_names_the_unique_field_of_the_index_the_server_reported()
    {
        var binding = _store.Binding<Shopper>();
        var duplicate = MongoErrors.AsDuplicateKey(new MongoCommandException(
            new ConnectionId(new ServerId(new ClusterId(1), new DnsEndPoint("localhost", 27017))),
            "E11000 duplicate key error collection: crm.tests.shoppers index: ux_email dup key: { email: \"a@b.c\" }",
            new BsonDocument(),
            new BsonDocument { { "code", 11000 }, { "keyPattern", new BsonDocument("email", 1) } }));

        var conflict = _store.DuplicateKeyConflict(binding, "s2", duplicate!);

        Assert.That(conflict.Kind, Is.EqualTo(ConflictKind.DuplicateKey));
        Assert.That(conflict.Index, Is.EqualTo("email"));
        Assert.That(conflict.DocumentId, Is.EqualTo("s2"));
        Assert.That(conflict.Collection, Is.EqualTo("tests.shoppers"));
    }

    private static string Describe(Shopper shopper) => shopper.Name;

    private static BsonDocument FilterOf(IDocumentQuery<Shopper> query) => ((MongoDocumentQuery<Shopper>)query).Filter();

    private MongoDocumentQuery<Shopper> Query() => (MongoDocumentQuery<Shopper>)_store.OpenSession().Query<Shopper>();
}
