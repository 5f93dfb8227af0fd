using System.Linq.Expressions;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Store;

/// <summary>
/// Every predicate of the contract must also translate with MongoDB's own LINQ provider. Rendering needs no server,
/// so this runs everywhere, while the MongoDB engine's contract runs only when CRM_TEST_MONGO is set.
/// </summary>
[TestFixture]
public sealed class MongoLinqRenderingTests
{
    [TestCaseSource(typeof(ContractPredicates), nameof(ContractPredicates.All))]
    public void Every_contract_predicate_renders_as_a_mongodb_filter(ContractPredicate predicate)
    {
        var rendered = Render(predicate.Predicate);

        Assert.That(rendered.ElementCount, Is.GreaterThan(0), rendered.ToJson());
    }

    [Test]
    public void Comparisons_membership_and_negations_render_to_the_expected_filters()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Render(x => x.Age > 30).ToJson(), Is.EqualTo("{ \"Age\" : { \"$gt\" : 30 } }").IgnoreCase);
            Assert.That(Render(x => x.Tags.Contains("vip")).ToJson(), Is.EqualTo("{ \"Tags\" : \"vip\" }").IgnoreCase);
            Assert.That(Render(x => Enumerable.Contains(ContractPredicates.Names, x.Name)).ToJson(),
                Is.EqualTo("{ \"Name\" : { \"$in\" : [\"Bob\", \"Abxc\", \"nobody\"] } }").IgnoreCase);
            Assert.That(Render(x => x.Referrer != "friend").ToJson(), Is.EqualTo("{ \"Referrer\" : { \"$ne\" : \"friend\" } }").IgnoreCase);
            Assert.That(Render(x => !(x.Age > 30)).ToJson(), Is.EqualTo("{ \"Age\" : { \"$not\" : { \"$gt\" : 30 } } }").IgnoreCase);
            Assert.That(Render(x => x.Nickname == null).ToJson(), Is.EqualTo("{ \"Nickname\" : null }").IgnoreCase);
            Assert.That(Render(x => x.Attributes["tier"] == "vip").ToJson(), Is.EqualTo("{ \"Attributes.tier\" : \"vip\" }").IgnoreCase);
        });
    }

    private static BsonDocument Render(Expression<Func<ContractCustomer, bool>> predicate) =>
        Builders<ContractCustomer>.Filter.Where(predicate).Render(
            new RenderArgs<ContractCustomer>(BsonSerializer.LookupSerializer<ContractCustomer>(), BsonSerializer.SerializerRegistry));
}
