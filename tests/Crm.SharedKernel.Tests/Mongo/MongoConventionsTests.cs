using Crm.SharedKernel.Infrastructure.Mongo;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Mongo;

public sealed class MongoConventionsTests
{
    private static readonly DateTimeOffset Joined = new(2025, 3, 4, 10, 30, 15, 123, TimeSpan.FromHours(2));

    [OneTimeSetUp]
    public void RegisterConventions()
    {
        using var store = MongoTestStores.Unreachable(out _);
    }

    [Test]
    public void A_document_is_stored_with_camel_case_names_its_id_as_underscore_id_and_nulls_left_out()
    {
        var stored = Sample().ToBsonDocument(BsonSerializer.LookupSerializer<Shopper>());

        Assert.That(stored.Names.First(), Is.EqualTo("_id"));
        Assert.That(stored["_id"], Is.EqualTo(new BsonString("s1")));
        Assert.That(stored.Names, Does.Contain("name").And.Contain("version").And.Contain("joinedAt").And.Contain("pastTiers"));
        Assert.That(stored.Names, Does.Contain("ipAddress"), "System.Text.Json's camelCase, as in the SQLite engine's JSON");
        Assert.That(stored.Names, Does.Not.Contain("age").And.Not.Contain("email"), "null members are not written");
        Assert.That(stored["address"].AsBsonDocument.Names, Is.EquivalentTo(new[] { "id", "city" }), "a nested Id is a plain field");
    }

    [Test]
    public void Money_is_decimal128_enums_are_names_dates_are_utc_and_dictionaries_are_sub_documents()
    {
        var stored = Sample().ToBsonDocument(BsonSerializer.LookupSerializer<Shopper>());

        Assert.That(stored["spent"], Is.EqualTo(new BsonDecimal128(0.30m)));
        Assert.That(stored["spent"].BsonType, Is.EqualTo(BsonType.Decimal128));
        Assert.That(stored["tier"], Is.EqualTo(new BsonString("Gold")));
        Assert.That(stored["pastTiers"], Is.EqualTo(new BsonArray { "Bronze" }));
        Assert.That(stored["joinedAt"], Is.EqualTo(new BsonDateTime(new DateTime(2025, 3, 4, 8, 30, 15, 123, DateTimeKind.Utc))));
        Assert.That(stored["totals"], Is.EqualTo(new BsonDocument { { "eur", new BsonDecimal128(12.345m) } }));
        Assert.That(stored["attributes"], Is.EqualTo(new BsonDocument { { "plan", "pro" } }));
        Assert.That(stored["externalRef"].AsBsonBinaryData.SubType, Is.EqualTo(BsonBinarySubType.UuidStandard));
    }

    [Test]
    public void A_stored_document_reads_back_exactly_and_fields_it_does_not_know_are_ignored()
    {
        var stored = Sample().ToBsonDocument(BsonSerializer.LookupSerializer<Shopper>());
        stored["fieldFromANewerVersion"] = 42;

        var read = BsonSerializer.Deserialize<Shopper>(stored);

        Assert.That(read.Id, Is.EqualTo("s1"));
        Assert.That(read.Spent, Is.EqualTo(0.30m));
        Assert.That(read.Spent.Scale, Is.EqualTo(2), "Decimal128 keeps the scale, unlike a double");
        Assert.That(read.JoinedAt, Is.EqualTo(Joined));
        Assert.That(read.Tier, Is.EqualTo(Tier.Gold));
        Assert.That(read.Totals["eur"], Is.EqualTo(12.345m));
        Assert.That(read.Address!.Id, Is.EqualTo("a1"));
        Assert.That(read.Age, Is.Null);
    }

    private static Shopper Sample() => new()
    {
        Id = "s1",
        Version = 3,
        Name = "Ada",
        IPAddress = "10.0.0.1",
        Tier = Tier.Gold,
        PastTiers = [Tier.Bronze],
        Spent = 0.10m + 0.20m,
        JoinedAt = Joined,
        ExternalRef = Guid.Parse("0195f1c2-0000-7000-8000-000000000001"),
        Tags = ["vip"],
        Attributes = new() { ["plan"] = "pro" },
        Totals = new() { ["eur"] = 12.345m },
        Address = new PostalAddress { Id = "a1", City = "Oslo" },
    };
}
