using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Contracts;
using Crm.Modules.Segments.Rules;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Conventions;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;
using NUnit.Framework;

namespace Crm.Modules.Segments.Tests.Rules;

/// <summary>
/// The MongoDB query a segment preview shows: each rendering must parse as BSON (Extended JSON values come back
/// typed) and keep the index's meaning, above all that negative operators match customers without the value.
/// </summary>
[TestFixture]
public sealed class MongoQueryTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 15, 12, 0, 0, TimeSpan.Zero);

    public static IEnumerable<string> EveryKindOfRule { get; } =
    [
        """{"field":"email","operator":"ends_with","value":"@Example.com"}""",
        """{"field":"name","operator":"is_empty"}""",
        """{"field":"time_zone","operator":"not_in","value":["Europe/Oslo","UTC"]}""",
        """{"field":"birth_date","operator":"between","value":["1990-01-01","1999-12-31T23:59:59Z"]}""",
        """{"field":"preferences","operator":"is_not_empty"}""",
        """{"field":"sms_consent","operator":"not_in","value":["opted_out","unknown"]}""",
        """{"field":"visit_count","operator":"between","value":[2.5, 10]}""",
        """{"field":"churn_risk","operator":"<=","value":0.25}""",
        """{"field":"last_visit","operator":"is_empty"}""",
        """{"field":"days_since_last_order","operator":"not_in","value":[0, 1, 2.5]}""",
        """{"field":"age","operator":"!=","value":30.5}""",
        """{"field":"created_at","operator":"before","value":"0001-01-02"}""",
        """{"field":"spend_in_last_days","operator":"is_empty","days":7}""",
        """
        {"combinator":"or","not":true,"rules":[
          {"field":"orders_in_last_days","operator":"in","value":[1, 2],"days":7},
          {"combinator":"and","rules":[
            {"field":"spend_in_last_days","operator":"between","value":[10, 99.99],"days":365},
            {"field":"attributes.renewal","operator":"more_than_days_ago","value":30}]}]}
        """,
    ];

    [TestCaseSource(nameof(EveryKindOfRule))]
    public void Every_rendering_parses_as_bson_and_its_match_stage_is_the_filter(string rules)
    {
        var rendering = Render(rules);

        var filter = BsonDocument.Parse(rendering.Filter.ToJsonString());
        var pipeline = BsonSerializer.Deserialize<BsonArray>(rendering.Pipeline.ToJsonString());
        var match = pipeline.Select(stage => stage.AsBsonDocument).Single(stage => stage.Contains("$match"));
        Assert.Multiple(() =>
        {
            Assert.That(rendering.Collection, Is.EqualTo(AudienceProfile.Collection));
            Assert.That(match["$match"], Is.EqualTo(filter));
            Assert.That(JsonNode.DeepEquals(rendering.Filter, rendering.Pipeline.OfType<JsonObject>().Single(s => s.ContainsKey("$match"))["$match"]));
        });
    }

    [Test]
    public void A_single_condition_renders_without_a_wrapping_and_and_its_pipeline_is_one_match()
    {
        var rendering = Render("""{"field":"email_domain","operator":"=","value":" Example.COM "}""");

        Assert.Multiple(() =>
        {
            Assert.That(Bson(rendering.Filter), Is.EqualTo(BsonDocument.Parse("""{"emailDomain": "example.com"}""")));
            Assert.That(rendering.Pipeline.ToJsonString(), Is.EqualTo("""[{"$match":{"emailDomain":"example.com"}}]"""));
        });
    }

    [Test]
    public void A_nested_and_or_not_tree_renders_as_and_or_and_nor()
    {
        var rendering = Render("""
            {"combinator":"and","rules":[
              {"field":"country","operator":"=","value":"NO"},
              {"combinator":"or","not":true,"rules":[
                {"field":"age","operator":"<","value":18},
                {"field":"city","operator":"in","value":["Oslo","Bergen"]}]}]}
            """);

        Assert.That(Bson(rendering.Filter), Is.EqualTo(BsonDocument.Parse("""
            {"$and": [
              {"country": "no"},
              {"$nor": [{"$or": [{"age": {"$lt": 18}}, {"city": {"$in": ["oslo", "bergen"]}}]}]}]}
            """)));
    }

    [Test]
    public void The_flat_list_form_binds_and_tighter_than_or()
    {
        var rendering = Render("""
            [{"field":"gender","operator":"=","value":"f","condition":"AND"},
             {"field":"age","operator":">=","value":30,"condition":"OR"},
             {"field":"tags","operator":"contains","value":"vip"}]
            """);

        Assert.That(Bson(rendering.Filter), Is.EqualTo(BsonDocument.Parse("""
            {"$or": [{"$and": [{"gender": "f"}, {"age": {"$gte": 30}}]}, {"tags": "vip"}]}
            """)));
    }

    [Test]
    public void Negative_operators_render_as_nor_of_their_positive_form_so_missing_values_match()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"city","operator":"!=","value":"Oslo"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$nor": [{"city": "oslo"}]}""")));
            Assert.That(FilterOf("""{"field":"tags","operator":"not_in","value":["vip","churned"]}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$nor": [{"tags": {"$in": ["vip", "churned"]}}]}""")));
            Assert.That(FilterOf("""{"field":"name","operator":"not_contains","value":"Test"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$nor": [{"nameKey": {"$regex": "test"}}]}""")));
            Assert.That(FilterOf("""{"field":"phone","operator":"is_not_empty"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$nor": [{"phone": {"$in": [null, ""]}}]}""")));
            Assert.That(FilterOf("""{"field":"total_spent","operator":"!=","value":0}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$nor": [{"totalSpent": {"$eq": {"$numberDecimal": "0"}}}]}""")));
        });
    }

    [Test]
    public void Relative_dates_resolve_against_now_as_closed_millisecond_ranges()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"last_visit","operator":"within_last_days","value":30}"""),
                Is.EqualTo(BsonDocument.Parse("""{"lastVisit": {"$gte": {"$date": "2026-02-13T12:00:00Z"}}}""")));
            Assert.That(FilterOf("""{"field":"created_at","operator":"more_than_days_ago","value":365}"""),
                Is.EqualTo(BsonDocument.Parse("""{"createdAt": {"$lte": {"$date": "2025-03-15T11:59:59.999Z"}}}""")));
            Assert.That(FilterOf("""{"field":"birth_date","operator":"before","value":"2000-01-01"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"birthDate": {"$lte": {"$date": "1999-12-31T23:59:59.999Z"}}}""")));
            Assert.That(FilterOf("""{"field":"last_order_at","operator":"after","value":"2026-01-01T00:00:00Z"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"lastOrderAt": {"$gte": {"$date": "2026-01-01T00:00:00.001Z"}}}""")));
            Assert.That(FilterOf("""{"field":"created_at","operator":"between","value":["2026-01-01","2026-01-31T23:59:59Z"]}"""),
                Is.EqualTo(BsonDocument.Parse("""
                    {"createdAt": {"$gte": {"$date": "2026-01-01T00:00:00Z"}, "$lte": {"$date": "2026-01-31T23:59:59Z"}}}
                    """)));
        });
    }

    [Test]
    public void Dates_outside_the_years_relaxed_json_spells_out_are_written_as_milliseconds()
    {
        var filter = FilterOf("""{"field":"birth_date","operator":"before","value":"1960-01-01"}""");

        Assert.Multiple(() =>
        {
            Assert.That(Rendered("""{"field":"birth_date","operator":"before","value":"1960-01-01"}""").Filter.ToJsonString(),
                Does.Contain("$numberLong"));
            Assert.That(filter["birthDate"]["$lte"].ToUniversalTime(), Is.EqualTo(new DateTime(1959, 12, 31, 23, 59, 59, 999, DateTimeKind.Utc)));
        });
    }

    [Test]
    public void Money_and_number_attributes_compare_as_decimal128()
    {
        var spent = FilterOf("""{"field":"total_spent","operator":">","value":1000.5}""");
        var seats = FilterOf("""{"field":"attributes.seats","operator":"between","value":[10, "20.25"]}""");

        Assert.Multiple(() =>
        {
            Assert.That(spent["totalSpent"]["$gt"], Is.EqualTo(new BsonDecimal128(1000.5m)));
            Assert.That(seats["attributes.seats.number"]["$gte"], Is.EqualTo(new BsonDecimal128(10m)));
            Assert.That(seats["attributes.seats.number"]["$lte"], Is.EqualTo(new BsonDecimal128(20.25m)));
        });
    }

    [Test]
    public void Integer_and_double_members_compare_as_plain_numbers()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"age","operator":">","value":30}"""),
                Is.EqualTo(BsonDocument.Parse("""{"age": {"$gt": 30}}""")));
            Assert.That(FilterOf("""{"field":"order_count","operator":"in","value":[1, 2, 2, 3]}"""),
                Is.EqualTo(BsonDocument.Parse("""{"orderCount": {"$in": [1, 2, 3]}}""")));
            Assert.That(FilterOf("""{"field":"engagement_score","operator":">=","value":75.5}""")["engagementScore"]["$gte"],
                Is.EqualTo(new BsonDouble(75.5)));
        });
    }

    [Test]
    public void An_integer_member_compares_with_the_whole_numbers_inside_a_fractional_bound()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"age","operator":">","value":30.5}"""),
                Is.EqualTo(BsonDocument.Parse("""{"age": {"$gte": 31}}""")));
            Assert.That(FilterOf("""{"field":"visit_count","operator":"<=","value":"9.99999999999999999999"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"visitCount": {"$lte": 9}}""")));
            Assert.That(FilterOf("""{"field":"age","operator":"=","value":30.5}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$expr": false}""")));
        });
    }

    [Test]
    public void Regex_metacharacters_in_text_values_are_escaped()
    {
        var contains = Rendered("""{"field":"name","operator":"contains","value":"A.b*(c)[d]{2}|e?+\\f^$"}""");
        var startsWith = Rendered("""{"field":"phone","operator":"starts_with","value":"+47 (0)"}""");
        var endsWith = Rendered("""{"field":"email","operator":"ends_with","value":".COM"}""");

        var pattern = (string)contains.Filter["nameKey"]!["$regex"]!;
        Assert.Multiple(() =>
        {
            Assert.That(pattern, Is.EqualTo(@"a\.b\*\(c\)\[d\]\{2\}\|e\?\+\\f\^\$"));
            Assert.That(System.Text.RegularExpressions.Regex.IsMatch(@"xa.b*(c)[d]{2}|e?+\f^$y", pattern));
            Assert.That(System.Text.RegularExpressions.Regex.IsMatch("xaxb", pattern), Is.False);
            Assert.That((string)startsWith.Filter["phone"]!["$regex"]!, Is.EqualTo(@"^\+47 \(0\)"));
            Assert.That((string)endsWith.Filter["email"]!["$regex"]!, Is.EqualTo(@"\.com$"));
            Assert.That(Bson(endsWith.Filter)["email"].AsBsonRegularExpression.Pattern, Is.EqualTo(@"\.com$"));
        });
    }

    [Test]
    public void Tags_match_when_the_list_holds_the_value_and_are_empty_without_elements()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"tags","operator":"contains","value":"VIP"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"tags": "vip"}""")));
            Assert.That(FilterOf("""{"field":"tags","operator":"in","value":"vip, gold"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"tags": {"$in": ["vip", "gold"]}}""")));
            Assert.That(FilterOf("""{"field":"preferences","operator":"is_empty"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"preferences": {"$in": [null, []]}}""")));
        });
    }

    [Test]
    public void Consent_unknown_is_a_missing_consent()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"email_consent","operator":"=","value":"unknown"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"emailConsent": null}""")));
            Assert.That(FilterOf("""{"field":"push_consent","operator":"in","value":["opted_in","unknown"]}"""),
                Is.EqualTo(BsonDocument.Parse("""{"pushConsent": {"$in": ["opted_in", null]}}""")));
            Assert.That(FilterOf("""{"field":"sms_consent","operator":"!=","value":"opted_out"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$nor": [{"smsConsent": "opted_out"}]}""")));
        });
    }

    [Test]
    public void Custom_attributes_are_read_from_the_member_of_their_type()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"attributes.plan","operator":"=","value":"Pro"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"attributes.plan.text": "pro"}""")));
            Assert.That(FilterOf("""{"field":"attributes.trial","operator":"=","value":true}"""),
                Is.EqualTo(BsonDocument.Parse("""{"attributes.trial.flag": true}""")));
            Assert.That(FilterOf("""{"field":"attributes.renewal","operator":"within_last_days","value":7}"""),
                Is.EqualTo(BsonDocument.Parse("""{"attributes.renewal.date": {"$gte": {"$date": "2026-03-08T12:00:00Z"}}}""")));
            Assert.That(FilterOf("""{"field":"attributes.seats","operator":"is_empty"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"attributes.seats.number": null}""")));
        });
    }

    [Test]
    public void An_attribute_key_no_customer_can_hold_matches_nobody()
    {
        var rules = RuleParser.Parse(
            JsonNode.Parse("""{"field":"attributes.a.b","operator":"=","value":"x"}"""), _ => null, inferUnknownAttributes: true).Value;

        Assert.That(Bson(MongoQuery.Render(rules, Now).Filter), Is.EqualTo(BsonDocument.Parse("""{"$expr": false}""")));
    }

    [Test]
    public void Days_since_last_order_becomes_a_range_of_last_order_instants()
    {
        Assert.Multiple(() =>
        {
            // More than 30 whole days: the last order is at least 31 days old.
            Assert.That(FilterOf("""{"field":"days_since_last_order","operator":">","value":30}"""),
                Is.EqualTo(BsonDocument.Parse("""{"lastOrderAt": {"$lte": {"$date": "2026-02-12T12:00:00Z"}}}""")));

            // 7 to 14 whole days: after 15 days before now, at most 7 days before now.
            Assert.That(FilterOf("""{"field":"days_since_last_order","operator":"between","value":[7, 14]}"""),
                Is.EqualTo(BsonDocument.Parse("""
                    {"lastOrderAt": {"$gte": {"$date": "2026-02-28T12:00:00.001Z"}, "$lte": {"$date": "2026-03-08T12:00:00Z"}}}
                    """)));
            Assert.That(FilterOf("""{"field":"days_since_last_order","operator":"is_empty"}"""),
                Is.EqualTo(BsonDocument.Parse("""{"lastOrderAt": null}""")));
        });
    }

    [Test]
    public void Days_since_last_order_without_a_whole_day_in_range_matches_nothing_and_its_negation_everything()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"days_since_last_order","operator":"=","value":2.5}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$expr": false}""")));
            Assert.That(FilterOf("""{"field":"days_since_last_order","operator":"!=","value":2.5}"""),
                Is.EqualTo(BsonDocument.Parse("""{"$nor": [{"$expr": false}]}""")));
        });
    }

    [Test]
    public void Order_window_fields_join_counted_orders_and_compare_computed_counts_and_sums()
    {
        var rendering = Render("""
            {"combinator":"and","rules":[
              {"field":"orders_in_last_days","operator":">=","value":3,"days":30},
              {"field":"spend_in_last_days","operator":">","value":100,"days":90}]}
            """);

        var pipeline = BsonSerializer.Deserialize<BsonArray>(rendering.Pipeline.ToJsonString());
        Assert.That(pipeline, Is.EqualTo(BsonSerializer.Deserialize<BsonArray>("""
            [
              {"$lookup": {
                "from": "segments.audience_orders", "localField": "_id", "foreignField": "customerId",
                "pipeline": [
                  {"$match": {"counted": true, "orderedAt": {"$gte": {"$date": "2025-12-15T12:00:00Z"}}}},
                  {"$project": {"_id": 0, "orderedAt": 1, "amount": 1}}],
                "as": "_orders"}},
              {"$addFields": {
                "_orders_30d": {"$size": {"$filter": {
                  "input": "$_orders", "as": "o", "cond": {"$gte": ["$$o.orderedAt", {"$date": "2026-02-13T12:00:00Z"}]}}}},
                "_spend_90d": {"$sum": "$_orders.amount"}}},
              {"$match": {"$and": [
                {"_orders_30d": {"$gte": 3}},
                {"_spend_90d": {"$gt": {"$numberDecimal": "100"}}}]}},
              {"$unset": ["_orders", "_orders_30d", "_spend_90d"]}
            ]
            """)));
    }

    [Test]
    public void Two_window_fields_over_one_window_share_its_orders()
    {
        var rendering = Render("""
            [{"field":"orders_in_last_days","operator":"=","value":0,"days":7},
             {"field":"spend_in_last_days","operator":"!=","value":0,"days":7}]
            """);

        var addFields = rendering.Pipeline[1]!["$addFields"]!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(addFields.Select(f => f.Key), Is.EqualTo(new[] { "_orders_7d", "_spend_7d" }));
            Assert.That(addFields["_orders_7d"]!.ToJsonString(), Is.EqualTo("""{"$size":"$_orders"}"""));
        });
    }

    [Test]
    public void The_driver_renders_equivalent_linq_predicates_to_the_same_filters()
    {
        var countries = new List<string> { "no", "se" };
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2026, 1, 31, 23, 59, 59, TimeSpan.Zero);
        Assert.Multiple(() =>
        {
            Assert.That(FilterOf("""{"field":"tags","operator":"contains","value":"vip"}"""), Is.EqualTo(DriverRendering.Of(p => p.Tags.Contains("vip"))));
            Assert.That(FilterOf("""{"field":"total_spent","operator":">","value":1000.5}"""), Is.EqualTo(DriverRendering.Of(p => p.TotalSpent > 1000.5m)));
            Assert.That(FilterOf("""{"field":"age","operator":">=","value":30}"""), Is.EqualTo(DriverRendering.Of(p => p.Age >= 30)));
            Assert.That(FilterOf("""{"field":"country","operator":"in","value":["NO","SE"]}"""), Is.EqualTo(DriverRendering.Of(p => countries.Contains(p.Country!))));
            Assert.That(FilterOf("""{"field":"attributes.plan","operator":"=","value":"pro"}"""), Is.EqualTo(DriverRendering.Of(p => p.Attributes["plan"].Text == "pro")));
            Assert.That(FilterOf("""{"field":"email_consent","operator":"=","value":"unknown"}"""), Is.EqualTo(DriverRendering.Of(p => p.EmailConsent == null)));
            Assert.That(FilterOf("""{"field":"created_at","operator":"between","value":["2026-01-01","2026-01-31T23:59:59Z"]}"""),
                Is.EqualTo(DriverRendering.Of(p => p.CreatedAt >= from && p.CreatedAt <= to)));
        });
    }

    private static MongoRendering Render(string rules)
    {
        var rendering = Rendered(rules);

        // Whatever the rule, the filter is a document the driver reads.
        Assert.That(() => BsonDocument.Parse(rendering.Filter.ToJsonString()), Throws.Nothing);
        return rendering;
    }

    private static MongoRendering Rendered(string rules)
    {
        var parsed = RuleParser.Parse(JsonNode.Parse(rules), AttributeType);
        Assert.That(parsed.IsSuccess, () => parsed.Error!.ToString());
        return MongoQuery.Render(parsed.Value, Now);
    }

    private static BsonDocument FilterOf(string rules) => Bson(Render(rules).Filter);

    private static BsonDocument Bson(JsonObject filter) => BsonDocument.Parse(filter.ToJsonString());

    private static SegmentFieldType? AttributeType(string key) => key switch
    {
        "plan" => SegmentFieldType.Text,
        "seats" => SegmentFieldType.Number,
        "trial" => SegmentFieldType.Boolean,
        "renewal" => SegmentFieldType.Date,
        _ => null,
    };
}

/// <summary>
/// The driver's own LINQ rendering of audience profiles under the store's conventions (camelCase names, nulls left
/// out, decimal as Decimal128, DateTimeOffset as a date), registered here because the store's registration is
/// internal to its assembly; the registries are process-wide and only this test project's fixtures use them.
/// </summary>
internal static class DriverRendering
{
    private static readonly Lazy<RenderArgs<AudienceProfile>> Args = new(() =>
    {
        BsonSerializer.TryRegisterSerializer(new DecimalSerializer(BsonType.Decimal128));
        BsonSerializer.TryRegisterSerializer(new DateTimeOffsetSerializer(BsonType.DateTime));
        ConventionRegistry.Register(
            "segments-tests",
            new ConventionPack { new CamelCaseElementNameConvention(), new IgnoreIfNullConvention(true) },
            type => type.Namespace?.StartsWith("Crm.Modules.Segments", StringComparison.Ordinal) == true);
        return new RenderArgs<AudienceProfile>(BsonSerializer.LookupSerializer<AudienceProfile>(), BsonSerializer.SerializerRegistry);
    });

    public static BsonDocument Of(Expression<Func<AudienceProfile, bool>> predicate) =>
        Builders<AudienceProfile>.Filter.Where(predicate).Render(Args.Value);
}
