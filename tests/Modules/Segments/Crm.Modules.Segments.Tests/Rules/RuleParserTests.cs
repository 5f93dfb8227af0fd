using System.Text.Json.Nodes;
using Crm.Modules.Segments.Contracts;
using Crm.Modules.Segments.Rules;

namespace Crm.Modules.Segments.Tests.Rules;

[TestFixture]
public sealed class RuleParserTests
{
    private static readonly Func<string, SegmentFieldType?> Plan = key => key == "plan" ? SegmentFieldType.Text : null;

    [TestCase("{'rules':[{'field':'totl_spent','operator':'>','value':1}]}", "rules.rules[0].field", "not a segmentable field")]
    [TestCase("{'rules':[{'field':'city','operator':'>','value':'x'}]}", "rules.rules[0].operator", "not allowed for city")]
    [TestCase("{'rules':[{'field':'total_spent','operator':'>','value':'lots'}]}", "rules.rules[0].value", "must be a number")]
    [TestCase("{'rules':[{'field':'total_spent','operator':'between','value':[5,1]}]}", "rules.rules[0].value", "low bound")]
    [TestCase("{'rules':[{'field':'last_order_at','operator':'before','value':'yesterday'}]}", "rules.rules[0].value", "ISO 8601")]
    [TestCase("{'rules':[{'field':'last_order_at','operator':'within_last_days','value':-3}]}", "rules.rules[0].value", "whole number")]
    [TestCase("{'rules':[{'field':'email_consent','operator':'=','value':'maybe'}]}", "rules.rules[0].value", "opted_in")]
    [TestCase("{'rules':[{'field':'orders_in_last_days','operator':'>','value':1}]}", "rules.rules[0].days", "window")]
    [TestCase("{'rules':[{'field':'attributes.tier','operator':'=','value':'x'}]}", "rules.rules[0].field", "not a segmentable field")]
    [TestCase("{'rules':[{'field':'city','operator':'=','value':'berlin'},{'combinator':'or','rules':[]}]}", "rules.rules[1].rules", "at least one rule")]
    [TestCase("{'combinator':'xor','rules':[{'field':'city','operator':'=','value':'berlin'}]}", "rules.combinator", "\"and\" or \"or\"")]
    [TestCase("{'rules':[{'operator':'=','value':'berlin'}]}", "rules.rules[0].field", "is required")]
    [TestCase("{'rules':[{'field':'city','operator':'=','value':{'a':1}}]}", "rules.rules[0].value", "text value")]
    [TestCase("{'rules':[{'field':'city','operator':'=','value':'  '}]}", "rules.rules[0].value", "must not be empty")]
    [TestCase("{'rules':[{'field':'attributes.plan','operator':'>','value':'x'}]}", "rules.rules[0].operator", "not allowed")]
    public void An_invalid_rule_is_refused_at_the_path_of_its_node(string json, string path, string reason)
    {
        var result = RuleParser.Parse(JsonNode.Parse(json.Replace('\'', '"')), Plan);

        Assert.That(result.IsFailure, Is.True);
        Assert.That(result.Error!.Code, Is.EqualTo("segments.invalid_rules"));
        Assert.That(result.Error.FieldErrors, Does.ContainKey(path));
        Assert.That(string.Join(" ", result.Error.FieldErrors![path]), Does.Contain(reason));
    }

    [Test]
    public void Every_invalid_node_is_reported_at_once()
    {
        var json = "{'rules':[{'field':'nope','operator':'=','value':1},{'combinator':'and','rules':[{'field':'age','operator':'contains','value':1}]}]}";

        var result = RuleParser.Parse(JsonNode.Parse(json.Replace('\'', '"')), Plan);

        Assert.That(result.Error!.FieldErrors!.Keys, Is.EquivalentTo(new[] { "rules.rules[0].field", "rules.rules[1].rules[0].operator" }));
    }

    [Test]
    public void Rules_nested_deeper_than_the_limit_are_refused_with_their_own_error()
    {
        JsonNode rule = new JsonObject { ["field"] = "age", ["operator"] = ">", ["value"] = 1 };
        for (var i = 0; i <= RuleParser.MaxDepth; i++)
        {
            rule = new JsonObject { ["combinator"] = "and", ["rules"] = new JsonArray(rule) };
        }

        var result = RuleParser.Parse(rule, Plan);

        Assert.That(result.Error!.Code, Is.EqualTo("segments.rules_too_deep"));
    }

    [Test]
    public void More_conditions_than_the_limit_are_refused_with_their_own_error()
    {
        var rules = new JsonArray();
        for (var i = 0; i <= RuleParser.MaxConditions; i++)
        {
            rules.Add(new JsonObject { ["field"] = "age", ["operator"] = ">", ["value"] = i });
        }

        var result = RuleParser.Parse(new JsonObject { ["rules"] = rules }, Plan);

        Assert.That(result.Error!.Code, Is.EqualTo("segments.too_many_rules"));
    }

    [Test]
    public void The_flat_form_becomes_an_or_of_and_groups()
    {
        var json = "[{'field':'city','operator':'=','value':'Berlin','condition':'AND'},{'field':'age','operator':'gt','value':'30','condition':'OR'},{'field':'tags','operator':'contains','value':'VIP'}]";

        var rules = RuleParser.Parse(JsonNode.Parse(json.Replace('\'', '"')), Plan).Value;
        var tree = RuleJson.ToText(rules);

        Assert.That(tree, Is.EqualTo(
            "{\"combinator\":\"or\",\"not\":false,\"rules\":[{\"combinator\":\"and\",\"not\":false,\"rules\":["
            + "{\"field\":\"city\",\"operator\":\"=\",\"value\":\"berlin\"},{\"field\":\"age\",\"operator\":\">\",\"value\":30}]},"
            + "{\"field\":\"tags\",\"operator\":\"contains\",\"value\":\"vip\"}]}"));
    }

    [Test]
    public void The_canonical_tree_parses_back_to_the_same_tree()
    {
        var json = "{'combinator':'or','not':true,'rules':[{'field':'total_spent','operator':'between','value':[1,2.5]},{'field':'last_order_at','operator':'between','value':['2026-01-01','2026-02-01T10:00:00Z']},{'field':'spend_in_last_days','days':30,'operator':'>=','value':10},{'field':'tags','operator':'in','value':['a','b']},{'field':'attributes.plan','operator':'is_empty'}]}";
        var first = RuleJson.Write(RuleParser.Parse(JsonNode.Parse(json.Replace('\'', '"')), Plan).Value).ToJsonString();

        var second = RuleJson.Write(RuleParser.Parse(JsonNode.Parse(first), Plan).Value).ToJsonString();

        Assert.That(second, Is.EqualTo(first));
    }

    [TestCase("not in", SegmentOperators.NotIn)]
    [TestCase("beginsWith", SegmentOperators.StartsWith)]
    [TestCase("notNull", SegmentOperators.IsNotEmpty)]
    [TestCase("==", SegmentOperators.Equal)]
    public void Operator_spellings_of_rule_builders_are_accepted(string spelling, string canonical)
    {
        var value = spelling == "notNull" ? "" : ",\"value\":[\"x\"]";
        var field = spelling is "not in" or "==" ? "city" : "name";
        var json = $"{{\"rules\":[{{\"field\":\"{field}\",\"operator\":\"{spelling}\"{(spelling == "==" ? ",\"value\":\"x\"" : value.Replace("[\"x\"]", spelling == "not in" ? "[\"x\"]" : "\"x\"", StringComparison.Ordinal))}}}]}}";

        var result = RuleParser.Parse(JsonNode.Parse(json), Plan);

        Assert.That(result.IsSuccess, Is.True, json);
        Assert.That(((RuleCondition)result.Value.Rules[0]).Operator, Is.EqualTo(canonical));
    }

    [Test]
    public void A_saved_rule_on_an_attribute_nobody_has_any_more_still_reads()
    {
        var json = "{'rules':[{'field':'attributes.gone','operator':'>','value':3}]}".Replace('\'', '"');

        var strict = RuleParser.Parse(JsonNode.Parse(json), _ => null);
        var lenient = RuleParser.Parse(JsonNode.Parse(json), _ => null, inferUnknownAttributes: true);

        Assert.That(strict.IsFailure, Is.True);
        Assert.That(((RuleCondition)lenient.Value.Rules[0]).Field.Type, Is.EqualTo(SegmentFieldType.Number));
    }
}
