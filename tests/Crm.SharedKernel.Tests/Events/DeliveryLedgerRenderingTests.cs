using System.Linq.Expressions;
using Crm.SharedKernel.Infrastructure.Mongo;
using Crm.SharedKernel.Infrastructure.Outbox;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

/// <summary>The dispatcher's queries run on SQLite in the other tests; here they are rendered by MongoDB's LINQ provider, which needs no server.</summary>
public sealed class DeliveryLedgerRenderingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 21, 0, 0, TimeSpan.Zero);

    private static IEnumerable<TestCaseData> Predicates()
    {
        yield return new TestCaseData(DeliveryPredicates.WithStatus(DeliveryStatus.Parked), """{ "status" : "parked" }""").SetArgDisplayNames("parked");
        yield return new TestCaseData(
            DeliveryPredicates.PendingFor(["customer-1", "customer-2"]),
            """{ "status" : "pending", "aggregateId" : { "$in" : ["customer-1", "customer-2"] } }""").SetArgDisplayNames("pending for aggregates");
        yield return new TestCaseData(
            DeliveryPredicates.DueBy(Now),
            """{ "status" : "pending", "nextAttemptAt" : { "$lte" : { "$date" : "2026-11-24T21:00:00Z" } } }""").SetArgDisplayNames("due");
        yield return new TestCaseData(
            DeliveryPredicates.PendingIn("H|customer-1"),
            """{ "status" : "pending", "queueKey" : "H|customer-1" }""").SetArgDisplayNames("queue");
        yield return new TestCaseData(
            DeliveryPredicates.Scheduled(),
            """{ "status" : "pending", "nextAttemptAt" : { "$lt" : { "$date" : "9999-12-31T00:00:00Z" } } }""").SetArgDisplayNames("scheduled");
    }

    [TestCaseSource(nameof(Predicates))]
    public void Each_delivery_query_renders_as_a_mongodb_filter_on_the_stored_fields(LambdaExpression query, string expected)
    {
        var predicate = (Expression<Func<DeliveryRecord, bool>>)query;
        MongoConventions.EnsureRegistered();
        MongoQuerySubset.EnsurePredicate(predicate);
        var rendered = Builders<DeliveryRecord>.Filter.Where(predicate)
            .Render(new RenderArgs<DeliveryRecord>(BsonSerializer.LookupSerializer<DeliveryRecord>(), BsonSerializer.SerializerRegistry));

        Assert.That(rendered.ToJson(), Is.EqualTo(expected));
    }
}
