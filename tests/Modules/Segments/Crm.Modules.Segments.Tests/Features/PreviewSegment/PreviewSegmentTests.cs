using System.Net;
using System.Net.Http.Json;
using System.Text;
using Crm.Modules.Segments.Tests.Support;

namespace Crm.Modules.Segments.Tests.Features.PreviewSegment;

[TestFixture]
public sealed class PreviewSegmentTests : SegmentsHostFixture
{
    [Test]
    public async Task Preview_counts_only_customers_matching_a_nested_or_group()
    {
        var tag = NewTag();
        await CreateCustomerAsync(new { email = Email(), name = "Ada", tags = new[] { tag }, profile = new { city = "Berlin" } });
        await CreateCustomerAsync(new { email = Email(), name = "Bob", tags = new[] { tag }, profile = new { city = "Paris", age = 61 } });
        await CreateCustomerAsync(new { email = Email(), name = "Cy", tags = new[] { tag }, profile = new { city = "Rome", age = 20 } });
        var rules = new
        {
            combinator = "and",
            rules = new object[]
            {
                TagRule(tag),
                new
                {
                    combinator = "or",
                    rules = new object[]
                    {
                        new { field = "city", @operator = "=", value = "berlin" },
                        new { field = "age", @operator = ">", value = 60 },
                    },
                },
            },
        };

        var preview = await PreviewUntilAsync(rules, 2);

        var names = preview.GetProperty("sample").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Order().ToList();
        Assert.That(names, Is.EqualTo(new[] { "Ada", "Bob" }));
        Assert.That(preview.GetProperty("total").GetInt64(), Is.GreaterThanOrEqualTo(3));
        Assert.That(preview.GetProperty("tookMs").GetDouble(), Is.GreaterThanOrEqualTo(0));
        Assert.That(preview.GetProperty("rules").GetProperty("combinator").GetString(), Is.EqualTo("and"));
        var query = preview.GetProperty("query");
        Assert.That(query.GetProperty("collection").GetString(), Is.EqualTo("segments.audience"));
        Assert.That(query.GetProperty("pipeline")[0].GetProperty("$match").GetProperty("$and").GetArrayLength(), Is.EqualTo(2));
    }

    [Test]
    public async Task Preview_accepts_the_flat_list_form_where_and_binds_tighter_than_or()
    {
        var tag = NewTag();
        await CreateCustomerAsync(new { email = Email(), tags = new[] { tag }, profile = new { city = "Berlin", age = 25 } });
        await CreateCustomerAsync(new { email = Email(), tags = new[] { tag }, profile = new { city = "Berlin", age = 45 } });
        await CreateCustomerAsync(new { email = Email(), tags = new[] { tag, "vip" + tag }, profile = new { city = "Oslo", age = 45 } });
        object[] flat =
        [
            new { field = "tags", @operator = "contains", value = tag, condition = "AND" },
            new { field = "city", @operator = "=", value = "Berlin", condition = "AND" },
            new { field = "age", @operator = "<", value = 30, condition = "OR" },
            new { field = "tags", @operator = "contains", value = "vip" + tag },
        ];

        var preview = await PreviewUntilAsync(flat, 2);

        Assert.That(preview.GetProperty("rules").GetProperty("combinator").GetString(), Is.EqualTo("or"));
    }

    [Test]
    public async Task A_customer_change_reaches_the_preview()
    {
        var tag = NewTag();
        var id = await CreateCustomerAsync(new { email = Email(), tags = new[] { tag }, profile = new { city = "Lyon" } });
        var inMadrid = new { combinator = "and", rules = new object[] { TagRule(tag), new { field = "city", @operator = "=", value = "madrid" } } };
        await PreviewUntilAsync(TagRule(tag), 1);
        Assert.That((await PreviewAsync(inMadrid)).GetProperty("count").GetInt64(), Is.Zero);

        using var patch = new HttpRequestMessage(HttpMethod.Patch, Url($"/api/v1/customers/{id}"))
        {
            Content = new StringContent("{\"profile\":{\"city\":\"Madrid\"}}", Encoding.UTF8, "application/merge-patch+json"),
        };
        using var patched = await Client.SendAsync(patch);
        Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK), await patched.Content.ReadAsStringAsync());

        await PreviewUntilAsync(inMadrid, 1);
    }

    [Test]
    public async Task Orders_placed_through_the_orders_api_count_in_order_windows()
    {
        var tag = NewTag();
        var email = Email();
        await CreateCustomerAsync(new { email, tags = new[] { tag } });
        using var order = await Client.PostAsJsonAsync(Url("/api/v1/orders"), new
        {
            externalOrderId = "ext-" + tag,
            customerEmail = email,
            amount = 120.50m,
            currency = "USD",
            items = new[] { new { sku = "SKU-1", name = "Mug", quantity = 1, unitPrice = 120.50m } },
        });
        Assert.That((int)order.StatusCode, Is.EqualTo(201), await order.Content.ReadAsStringAsync());
        var spent = new
        {
            combinator = "and",
            rules = new object[] { TagRule(tag), new { field = "spend_in_last_days", days = 30, @operator = ">=", value = 120.5 } },
        };

        await PreviewUntilAsync(spent, 1);
        await PreviewUntilAsync(new { combinator = "and", rules = new object[] { TagRule(tag), new { field = "total_spent", @operator = "=", value = 120.5 } } }, 1);
    }

    [Test]
    public async Task Invalid_rules_answer_400_naming_the_path_of_each_failing_node()
    {
        using var response = await PostJsonAsync("/api/v1/segments/preview", Json(
            "{'rules':{'combinator':'and','rules':[{'field':'total_spent','operator':'contains','value':'x'},{'combinator':'or','rules':[{'field':'nope','operator':'=','value':1}]}]}}"));

        var problem = await response.ReadProblemAsync(400);

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("segments.invalid_rules"));
        var errors = problem.GetProperty("errors");
        Assert.That(errors.GetProperty("rules.rules[0].operator")[0].GetString(), Does.Contain("not allowed for total_spent"));
        Assert.That(errors.GetProperty("rules.rules[1].rules[0].field")[0].GetString(), Does.Contain("not a segmentable field"));
    }

    [Test]
    public async Task A_body_without_rules_or_with_bad_sample_size_answers_400()
    {
        using var noRules = await PostJsonAsync("/api/v1/segments/preview", "{}");
        using var badSample = await PostJsonAsync("/api/v1/segments/preview", Json("{'rules':{'field':'age','operator':'>','value':1},'sampleSize':1000}"));
        using var notJson = await PostJsonAsync("/api/v1/segments/preview", "{");

        Assert.That((await noRules.ReadProblemAsync(400)).GetProperty("errors").GetProperty("rules")[0].GetString(), Does.Contain("required"));
        Assert.That((await badSample.ReadProblemAsync(400)).GetProperty("errors").TryGetProperty("sampleSize", out _), Is.True);
        await notJson.ReadProblemAsync(400);
    }

    [Test]
    public async Task The_field_catalog_lists_built_in_fields_and_custom_attributes_with_their_types()
    {
        var key = NewTag();
        await CreateCustomerAsync(new { email = Email(), customAttributes = new Dictionary<string, object> { [key] = 42 } });

        await Eventually.ThatAsync(
            async () =>
            {
                var fields = (await GetJsonAsync("/api/v1/segments/fields")).GetProperty("fields").EnumerateArray().ToList();
                return fields.Any(f => f.GetProperty("name").GetString() == "attributes." + key && f.GetProperty("type").GetString() == "number");
            },
            "the new attribute is in the catalog");
        var catalog = (await GetJsonAsync("/api/v1/segments/fields")).GetProperty("fields").EnumerateArray().ToList();
        var spent = catalog.Single(f => f.GetProperty("name").GetString() == "total_spent");
        Assert.That(spent.GetProperty("operators").EnumerateArray().Select(o => o.GetString()), Does.Contain("between"));
        Assert.That(catalog.Single(f => f.GetProperty("name").GetString() == "orders_in_last_days").GetProperty("windowDays").GetBoolean(), Is.True);
    }

    [Test]
    public async Task Anonymous_callers_get_401_and_viewers_may_preview_but_not_save()
    {
        using var anonymous = Factory.CreateAnonymousClient();
        using var viewer = await Factory.CreateClientAsAsync("Viewer");
        var rules = new { field = "age", @operator = ">", value = 1 };

        using var anonymousPreview = await anonymous.PostAsJsonAsync(Url("/api/v1/segments/preview"), new { rules });
        using var viewerPreview = await viewer.PostAsJsonAsync(Url("/api/v1/segments/preview"), new { rules });
        using var viewerSave = await viewer.PostAsJsonAsync(Url("/api/v1/segments"), new { name = NewTag(), rules });

        Assert.That(anonymousPreview.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(viewerPreview.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(viewerSave.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
