using System.Text.Json.Nodes;
using Crm.Modules.Segments.Rules;
using NUnit.Framework;

namespace Crm.Modules.Segments.Tests.Rules;

[TestFixture]
public sealed class RuleJsonTests
{
    [Test]
    public void A_rule_written_by_RuleJson_parses_back_to_the_same_rule_without_going_through_text()
    {
        var sent = JsonNode.Parse("""
            { "combinator": "or", "rules": [
              { "field": "orders_in_last_days", "operator": ">=", "value": 2, "days": 30 },
              { "field": "last_order_at", "operator": "within_last_days", "value": 7 },
              { "field": "age", "operator": "between", "value": [18, 30] } ] }
            """);
        var first = RuleParser.Parse(sent, RandomRules.AttributeType).Value;

        var again = RuleParser.Parse(RuleJson.Write(first), RandomRules.AttributeType);

        Assert.That(again.IsSuccess, Is.True, () => again.Error!.ToString());
        Assert.That(RuleJson.Write(again.Value).ToJsonString(), Is.EqualTo(RuleJson.Write(first).ToJsonString()));
    }
}
