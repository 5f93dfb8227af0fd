using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Tests.Support;

namespace Crm.Modules.Segments.Tests.Audience;

/// <summary>Every operator on every kind of field, over four customers whose values sit on each operator's edges.</summary>
[TestFixture]
public sealed class AudiencePlanTests
{
    private static readonly DateTimeOffset Now = Audiences.Now;
    private Audiences _audiences = null!;

    [OneTimeSetUp]
    public void BuildAudience()
    {
        var ada = Audiences.Profile("ada", p =>
        {
            p.City = "berlin";
            p.CityName = "Berlin";
            p.Country = "de";
            p.Gender = "female";
            p.Age = 34;
            p.BirthDate = new DateTimeOffset(1992, 3, 1, 0, 0, 0, TimeSpan.Zero);
            p.Phone = "+4915112345678";
            p.TimeZone = "europe/berlin";
            p.Tags = ["vip", "newsletter"];
            p.Preferences = ["shoes"];
            p.EmailConsent = "opted_in";
            p.SmsConsent = "opted_out";
            p.TotalSpent = 1500.50m;
            p.OrderCount = 5;
            p.VisitCount = 12;
            p.LastOrderAt = Now.AddDays(-10);
            p.LastVisit = Now.AddDays(-1);
            p.EngagementScore = 81.5;
            p.Attributes = new(StringComparer.Ordinal)
            {
                ["plan"] = new AudienceAttribute { Text = "gold" },
                ["score"] = new AudienceAttribute { Number = 7m },
                ["beta"] = new AudienceAttribute { Flag = true },
                ["renewal"] = new AudienceAttribute { Date = Now.AddDays(20) },
            };
        });
        var bob = Audiences.Profile("bob", p =>
        {
            p.Email = "bob@shop.fr";
            p.EmailDomain = "shop.fr";
            p.City = "paris";
            p.CityName = "Paris";
            p.Country = "fr";
            p.Gender = "male";
            p.Age = 52;
            p.BirthDate = new DateTimeOffset(1974, 1, 1, 0, 0, 0, TimeSpan.Zero);
            p.Tags = ["newsletter"];
            p.EmailConsent = "opted_out";
            p.TotalSpent = 99.99m;
            p.OrderCount = 1;
            p.VisitCount = 2;
            p.LastOrderAt = Now.AddDays(-200);
            p.LastVisit = Now.AddDays(-40);
            p.EngagementScore = 20;
            p.Attributes = new(StringComparer.Ordinal)
            {
                ["plan"] = new AudienceAttribute { Text = "silver" },
                ["score"] = new AudienceAttribute { Number = 3.5m },
                ["beta"] = new AudienceAttribute { Flag = false },
            };
        });
        var cy = Audiences.Profile("cy");
        var dee = Audiences.Profile("dee", p =>
        {
            p.City = "berlin";
            p.CityName = "Berlin";
            p.Country = "de";
            p.Gender = "female";
            p.Age = 18;
            p.BirthDate = new DateTimeOffset(2008, 2, 2, 0, 0, 0, TimeSpan.Zero);
            p.Phone = "+33612345678";
            p.Tags = ["vip"];
            p.PushConsent = "opted_in";
            p.TotalSpent = 5000m;
            p.OrderCount = 20;
            p.VisitCount = 30;
            p.LastOrderAt = Now.AddDays(-31);
            p.EngagementScore = 55;
            p.Attributes = new(StringComparer.Ordinal)
            {
                ["plan"] = new AudienceAttribute { Text = "gold plus" },
                ["score"] = new AudienceAttribute { Number = 10m },
                ["beta"] = new AudienceAttribute { Text = "yes" },
            };
        });
        _audiences = new Audiences(ada, bob, cy, dee);
        Order(ada.Id, -5, 100m, counted: true);
        Order(ada.Id, -40, 50m, counted: true);
        Order(bob.Id, -2, 30m, counted: false);
        Order(bob.Id, -200, 99.99m, counted: true);
        Order(dee.Id, -31, 5000m, counted: true);
    }

    [OneTimeTearDown]
    public void Dispose() => _audiences.Dispose();

    [TestCase("{'field':'email','operator':'=','value':'bob@shop.fr'}", "bob")]
    [TestCase("{'field':'email','operator':'=','value':'BOB@Shop.fr'}", "bob")]
    [TestCase("{'field':'email','operator':'!=','value':'bob@shop.fr'}", "ada,cy,dee")]
    [TestCase("{'field':'email','operator':'contains','value':'@example'}", "ada,cy,dee")]
    [TestCase("{'field':'email','operator':'not_contains','value':'example'}", "bob")]
    [TestCase("{'field':'email','operator':'starts_with','value':'b'}", "bob")]
    [TestCase("{'field':'email','operator':'ends_with','value':'.fr'}", "bob")]
    [TestCase("{'field':'email','operator':'in','value':['ada@example.com','cy@example.com']}", "ada,cy")]
    [TestCase("{'field':'email','operator':'not_in','value':['ada@example.com','cy@example.com']}", "bob,dee")]
    [TestCase("{'field':'phone','operator':'is_empty'}", "bob,cy")]
    [TestCase("{'field':'phone','operator':'is_not_empty'}", "ada,dee")]
    [TestCase("{'field':'phone','operator':'starts_with','value':'+49'}", "ada")]
    [TestCase("{'field':'name','operator':'contains','value':'D'}", "ada,dee")]
    [TestCase("{'field':'email_domain','operator':'=','value':'shop.fr'}", "bob")]
    [TestCase("{'field':'time_zone','operator':'starts_with','value':'Europe/'}", "ada")]
    public void Text_operators_compare_case_insensitively_and_negations_match_missing_values(string rule, string expected) =>
        Expect(rule, expected);

    [TestCase("{'field':'city','operator':'=','value':'BERLIN'}", "ada,dee")]
    [TestCase("{'field':'city','operator':'!=','value':'berlin'}", "bob,cy")]
    [TestCase("{'field':'city','operator':'in','value':['paris','rome']}", "bob")]
    [TestCase("{'field':'city','operator':'not_in','value':['paris']}", "ada,cy,dee")]
    [TestCase("{'field':'city','operator':'contains','value':'erl'}", "ada,dee")]
    [TestCase("{'field':'city','operator':'starts_with','value':'par'}", "bob")]
    [TestCase("{'field':'city','operator':'ends_with','value':'lin'}", "ada,dee")]
    [TestCase("{'field':'city','operator':'is_empty'}", "cy")]
    [TestCase("{'field':'city','operator':'is_not_empty'}", "ada,bob,dee")]
    [TestCase("{'field':'country','operator':'=','value':'DE'}", "ada,dee")]
    [TestCase("{'field':'gender','operator':'not_in','value':'male'}", "ada,cy,dee")]
    [TestCase("{'field':'city','operator':'=','value':'london'}", "")]
    public void Category_operators_match_by_value(string rule, string expected) => Expect(rule, expected);

    [TestCase("{'field':'total_spent','operator':'=','value':99.99}", "bob")]
    [TestCase("{'field':'total_spent','operator':'!=','value':0}", "ada,bob,dee")]
    [TestCase("{'field':'total_spent','operator':'>','value':1500.5}", "dee")]
    [TestCase("{'field':'total_spent','operator':'>=','value':1500.5}", "ada,dee")]
    [TestCase("{'field':'total_spent','operator':'<','value':100}", "bob,cy")]
    [TestCase("{'field':'total_spent','operator':'<=','value':99.99}", "bob,cy")]
    [TestCase("{'field':'total_spent','operator':'between','value':[99.99,1500.5]}", "ada,bob")]
    [TestCase("{'field':'total_spent','operator':'between','value':'99.99,1500.5'}", "ada,bob")]
    [TestCase("{'field':'total_spent','operator':'in','value':[0,5000]}", "cy,dee")]
    [TestCase("{'field':'total_spent','operator':'not_in','value':[0]}", "ada,bob,dee")]
    [TestCase("{'field':'total_spent','operator':'>','value':'1000'}", "ada,dee")]
    [TestCase("{'field':'age','operator':'>','value':33.5}", "ada,bob")]
    [TestCase("{'field':'age','operator':'<','value':34}", "dee")]
    [TestCase("{'field':'age','operator':'=','value':34.5}", "")]
    [TestCase("{'field':'age','operator':'!=','value':34}", "bob,cy,dee")]
    [TestCase("{'field':'age','operator':'between','value':[18,34]}", "ada,dee")]
    [TestCase("{'field':'age','operator':'is_empty'}", "cy")]
    [TestCase("{'field':'engagement_score','operator':'>=','value':55}", "ada,dee")]
    [TestCase("{'field':'engagement_score','operator':'is_empty'}", "cy")]
    [TestCase("{'field':'engagement_score','operator':'is_not_empty'}", "ada,bob,dee")]
    [TestCase("{'field':'order_count','operator':'=','value':0}", "cy")]
    [TestCase("{'field':'visit_count','operator':'>','value':10}", "ada,dee")]
    [TestCase("{'field':'churn_risk','operator':'is_empty'}", "ada,bob,cy,dee")]
    public void Number_operators_compare_exactly_and_treat_missing_as_no_value(string rule, string expected) => Expect(rule, expected);

    [TestCase("{'field':'last_order_at','operator':'within_last_days','value':30}", "ada")]
    [TestCase("{'field':'last_order_at','operator':'more_than_days_ago','value':30}", "bob,dee")]
    [TestCase("{'field':'last_order_at','operator':'before','value':'2026-01-01'}", "bob")]
    [TestCase("{'field':'last_order_at','operator':'after','value':'2026-05-01'}", "ada,dee")]
    [TestCase("{'field':'last_order_at','operator':'between','value':['2026-05-01','2026-06-01T00:00:00Z']}", "dee")]
    [TestCase("{'field':'last_order_at','operator':'is_empty'}", "cy")]
    [TestCase("{'field':'last_order_at','operator':'is_not_empty'}", "ada,bob,dee")]
    [TestCase("{'field':'last_visit','operator':'within_last_days','value':7}", "ada")]
    [TestCase("{'field':'created_at','operator':'more_than_days_ago','value':99}", "ada,bob,cy,dee")]
    [TestCase("{'field':'birth_date','operator':'before','value':'2000-01-01'}", "ada,bob")]
    [TestCase("{'field':'days_since_last_order','operator':'>','value':30}", "bob,dee")]
    [TestCase("{'field':'days_since_last_order','operator':'=','value':31}", "dee")]
    [TestCase("{'field':'days_since_last_order','operator':'<=','value':10}", "ada")]
    [TestCase("{'field':'days_since_last_order','operator':'between','value':[10,31]}", "ada,dee")]
    [TestCase("{'field':'days_since_last_order','operator':'!=','value':31}", "ada,bob,cy")]
    [TestCase("{'field':'days_since_last_order','operator':'is_empty'}", "cy")]
    public void Date_operators_resolve_relative_days_against_now(string rule, string expected) => Expect(rule, expected);

    [TestCase("{'field':'email_consent','operator':'=','value':'opted_in'}", "ada")]
    [TestCase("{'field':'email_consent','operator':'=','value':'unknown'}", "cy,dee")]
    [TestCase("{'field':'email_consent','operator':'!=','value':'opted_in'}", "bob,cy,dee")]
    [TestCase("{'field':'email_consent','operator':'in','value':['opted_in','opted_out']}", "ada,bob")]
    [TestCase("{'field':'email_consent','operator':'not_in','value':['opted_out']}", "ada,cy,dee")]
    [TestCase("{'field':'sms_consent','operator':'=','value':'opted_out'}", "ada")]
    [TestCase("{'field':'push_consent','operator':'=','value':'OPTED_IN'}", "dee")]
    public void Consent_operators_tell_opted_in_opted_out_and_unknown_apart(string rule, string expected) => Expect(rule, expected);

    [TestCase("{'field':'tags','operator':'contains','value':'VIP'}", "ada,dee")]
    [TestCase("{'field':'tags','operator':'not_contains','value':'vip'}", "bob,cy")]
    [TestCase("{'field':'tags','operator':'in','value':['vip','newsletter']}", "ada,bob,dee")]
    [TestCase("{'field':'tags','operator':'not_in','value':['newsletter']}", "cy,dee")]
    [TestCase("{'field':'tags','operator':'is_empty'}", "cy")]
    [TestCase("{'field':'tags','operator':'is_not_empty'}", "ada,bob,dee")]
    [TestCase("{'field':'tags','operator':'contains','value':'unheard-of'}", "")]
    [TestCase("{'field':'preferences','operator':'contains','value':'shoes'}", "ada")]
    public void List_operators_ask_whether_the_set_holds_values(string rule, string expected) => Expect(rule, expected);

    [TestCase("{'field':'attributes.plan','operator':'=','value':'gold'}", "ada")]
    [TestCase("{'field':'attributes.plan','operator':'starts_with','value':'gold'}", "ada,dee")]
    [TestCase("{'field':'attributes.score','operator':'>','value':5}", "ada,dee")]
    [TestCase("{'field':'attributes.score','operator':'is_empty'}", "cy")]
    [TestCase("{'field':'attributes.beta','operator':'=','value':true}", "ada")]
    [TestCase("{'field':'attributes.beta','operator':'=','value':'false'}", "bob")]
    [TestCase("{'field':'attributes.beta','operator':'!=','value':true}", "bob,cy,dee")]
    [TestCase("{'field':'attributes.beta','operator':'is_empty'}", "cy,dee")]
    [TestCase("{'field':'attributes.renewal','operator':'after','value':'2026-06-01'}", "ada")]
    public void Custom_attributes_compare_by_the_type_their_first_value_had(string rule, string expected) => Expect(rule, expected);

    [TestCase("{'field':'orders_in_last_days','days':30,'operator':'>=','value':1}", "ada")]
    [TestCase("{'field':'orders_in_last_days','days':30,'operator':'=','value':0}", "bob,cy,dee")]
    [TestCase("{'field':'orders_in_last_days','days':365,'operator':'>=','value':2}", "ada")]
    [TestCase("{'field':'spend_in_last_days','days':60,'operator':'>','value':120}", "ada,dee")]
    [TestCase("{'field':'spend_in_last_days','days':60,'operator':'between','value':[150,150]}", "ada")]
    [TestCase("{'field':'spend_in_last_days','days':7,'operator':'<','value':1}", "bob,cy,dee")]
    public void Order_windows_count_and_sum_counted_orders_in_the_last_days(string rule, string expected) => Expect(rule, expected);

    [TestCase("{'combinator':'or','rules':[{'field':'city','operator':'=','value':'paris'},{'combinator':'and','rules':[{'field':'tags','operator':'contains','value':'vip'},{'field':'total_spent','operator':'>','value':2000}]}]}", "bob,dee")]
    [TestCase("{'combinator':'and','not':true,'rules':[{'field':'city','operator':'=','value':'berlin'}]}", "bob,cy")]
    [TestCase("{'combinator':'and','rules':[{'combinator':'or','not':true,'rules':[{'field':'age','operator':'<','value':20},{'field':'age','operator':'is_empty'}]},{'field':'country','operator':'in','value':['de','fr']}]}", "ada,bob")]
    [TestCase("{'combinator':'and','rules':[{'combinator':'or','rules':[{'combinator':'and','rules':[{'field':'tags','operator':'contains','value':'vip'},{'field':'last_order_at','operator':'within_last_days','value':15}]},{'field':'email_consent','operator':'=','value':'opted_out'}]},{'field':'total_spent','operator':'>','value':50}]}", "ada,bob")]
    public void Nested_groups_combine_and_or_and_not(string rule, string expected) => Expect(rule, expected);

    [TestCase("[{'field':'city','operator':'=','value':'berlin','condition':'AND'},{'field':'age','operator':'<','value':30,'condition':'OR'},{'field':'gender','operator':'=','value':'male'}]", "bob,dee")]
    [TestCase("[{'field':'gender','operator':'=','value':'male','condition':'OR'},{'field':'city','operator':'=','value':'berlin','condition':'AND'},{'field':'age','operator':'<','value':30}]", "bob,dee")]
    [TestCase("[{'field':'tags','operator':'contains','value':'vip','condition':'AND'},{'field':'total_spent','operator':'>','value':1000}]", "ada,dee")]
    public void The_flat_form_binds_and_tighter_than_or(string rule, string expected) => Expect(rule, expected);

    [Test]
    public void An_erased_customer_matches_no_rule_not_even_a_negation()
    {
        var eve = Audiences.Profile("eve", p => p.Tags = ["vip"]);
        using var audiences = new Audiences(eve, Audiences.Profile("fay"));
        Assert.That(audiences.Match("{'field':'tags','operator':'contains','value':'vip'}".Replace('\'', '"')), Is.EqualTo(new[] { "eve" }));

        audiences.Index.Erase(eve.Id);

        Assert.Multiple(() =>
        {
            Assert.That(audiences.Match("{'field':'tags','operator':'contains','value':'vip'}".Replace('\'', '"')), Is.Empty);
            Assert.That(audiences.Match("{'field':'city','operator':'!=','value':'rome'}".Replace('\'', '"')), Is.EqualTo(new[] { "fay" }));
            Assert.That(audiences.Index.LiveCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void A_changed_customer_leaves_the_segments_their_old_values_matched()
    {
        var gil = Audiences.Profile("gil", p => p.City = "rome");
        using var audiences = new Audiences(gil);
        gil.City = "oslo";
        gil.Tags = ["new"];
        audiences.Add(gil);

        Assert.Multiple(() =>
        {
            Assert.That(audiences.Match("{'field':'city','operator':'=','value':'rome'}".Replace('\'', '"')), Is.Empty);
            Assert.That(audiences.Match("{'field':'city','operator':'=','value':'oslo'}".Replace('\'', '"')), Is.EqualTo(new[] { "gil" }));
            Assert.That(audiences.Match("{'field':'tags','operator':'contains','value':'new'}".Replace('\'', '"')), Is.EqualTo(new[] { "gil" }));
        });
    }

    [Test]
    public void Rows_beyond_the_first_words_are_evaluated_too()
    {
        var many = Enumerable.Range(0, 1000).Select(i => Audiences.Profile($"c{i:D4}", p => p.TotalSpent = i)).ToArray();
        using var audiences = new Audiences(many);

        Assert.Multiple(() =>
        {
            Assert.That(audiences.Match("{'field':'total_spent','operator':'>=','value':990}".Replace('\'', '"')), Has.Count.EqualTo(10));
            Assert.That(audiences.Match("{'field':'total_spent','operator':'!=','value':5}".Replace('\'', '"')), Has.Count.EqualTo(999));
        });
    }

    [Test]
    public void Values_beyond_the_compact_ranges_widen_their_column_and_keep_every_answer()
    {
        var old = Audiences.Profile("old", p =>
        {
            p.VisitCount = 70_000;
            p.Age = 101;
            p.BirthDate = new DateTimeOffset(1920, 5, 5, 0, 0, 0, TimeSpan.Zero);
            p.LastVisit = new DateTimeOffset(2080, 1, 1, 0, 0, 0, TimeSpan.Zero);
            p.Phone = "+4915112345678";
        });
        var young = Audiences.Profile("young", p =>
        {
            p.VisitCount = 3;
            p.Age = 20;
            p.BirthDate = new DateTimeOffset(2006, 1, 1, 0, 0, 0, TimeSpan.Zero);
            p.LastVisit = Now.AddDays(-1);
            p.Phone = "0151 1234 (ask for bo)";
        });
        using var audiences = new Audiences(young, old);

        Assert.Multiple(() =>
        {
            Assert.That(audiences.Match(Json("{'field':'visit_count','operator':'>','value':65534}")), Is.EqualTo(new[] { "old" }));
            Assert.That(audiences.Match(Json("{'field':'visit_count','operator':'<','value':5}")), Is.EqualTo(new[] { "young" }));
            Assert.That(audiences.Match(Json("{'field':'birth_date','operator':'before','value':'1925-01-01'}")), Is.EqualTo(new[] { "old" }));
            Assert.That(audiences.Match(Json("{'field':'last_visit','operator':'after','value':'2070-01-01'}")), Is.EqualTo(new[] { "old" }));
            Assert.That(audiences.Match(Json("{'field':'last_visit','operator':'before','value':'2070-01-01'}")), Is.EqualTo(new[] { "young" }));
            Assert.That(audiences.Match(Json("{'field':'phone','operator':'=','value':'+4915112345678'}")), Is.EqualTo(new[] { "old" }));
            Assert.That(audiences.Match(Json("{'field':'phone','operator':'contains','value':'ask for bo'}")), Is.EqualTo(new[] { "young" }));
        });
    }

    [Test]
    public void Instants_compare_to_the_second()
    {
        var profile = Audiences.Profile("sub", p => p.LastVisit = AudienceProfile.ToSecond(new DateTimeOffset(2026, 5, 1, 0, 0, 0, 700, TimeSpan.Zero)));
        using var audiences = new Audiences(profile);

        Assert.Multiple(() =>
        {
            Assert.That(profile.LastVisit, Is.EqualTo(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(audiences.Match(Json("{'field':'last_visit','operator':'after','value':'2026-05-01'}")), Is.Empty);
            Assert.That(audiences.Match(Json("{'field':'last_visit','operator':'between','value':['2026-05-01','2026-05-01T00:00:00Z']}")), Is.EqualTo(new[] { "sub" }));
        });
    }

    private static string Json(string rule) => rule.Replace('\'', '"');

    private void Order(string customerId, int days, decimal amount, bool counted) =>
        _audiences.Index.ApplyOrder(new AudienceOrder
        {
            Id = Crm.SharedKernel.Documents.DocumentId.New(),
            CustomerId = customerId,
            OrderedAt = Now.AddDays(days),
            Amount = amount,
            Counted = counted,
        });

    private void Expect(string rule, string expected)
    {
        var names = _audiences.Match(rule.Replace('\'', '"'));
        Assert.That(string.Join(",", names), Is.EqualTo(expected), rule);
    }
}
