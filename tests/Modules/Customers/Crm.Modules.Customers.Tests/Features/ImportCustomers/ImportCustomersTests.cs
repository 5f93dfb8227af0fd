using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Tests.Support;
using Sylvan.Data.Csv;

namespace Crm.Modules.Customers.Tests.Features.ImportCustomers;

public sealed class ImportCustomersTests : HostFixture
{
    private const string Url = "/api/v1/customers/imports";

    /// <summary>A spreadsheet export as marketers send them: BOM, ';' separators, quotes, a line break inside a cell, bad rows.</summary>
    private const string MessyFile =
        "\uFEFFEmail;Full Name;Phone;time_zone;birth_date;Tags;consent_email;Loyalty Tier;Signup Date;Score;VIP;123bad\r\n"
        + "ADA@csv.test;\"Lovelace; Ada\";+4915112345678;Europe/Berlin;1990-12-10;vip|beta;yes;Gold;2024-05-01;42.5;true;x\r\n"
        + "bob@csv.test;\"Bob \"\"The Builder\"\"\nsecond line\";;UTC;;;opted_out;Silver;;7;false;y\r\n"
        + "not-an-email;Broken;;;;;;;;;;\r\n"
        + "carl@csv.test;Carl;;;10-12-1990;;maybe;;;;;\r\n"
        + "dora@csv.test;Dora;;Mars/Olympus;;;;;;;;\r\n";

    [Test]
    public async Task A_messy_csv_upload_is_imported_in_the_background_and_its_bad_rows_are_downloadable()
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(MessyFile));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "customers export.csv");

        using var response = await Client.PostAsync(Url, form);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var location = response.Headers.Location!.ToString();
        var job = await CompletedAsync(location);
        Assert.That(job.GetProperty("status").GetString(), Is.EqualTo("completed"));
        Assert.That(job.GetProperty("fileName").GetString(), Is.EqualTo("customers export.csv"));
        Assert.That(
            (job.GetProperty("rowsRead").GetInt32(), job.GetProperty("rowsStored").GetInt32(), job.GetProperty("rowsFailed").GetInt32()),
            Is.EqualTo((5, 2, 3)));
        Assert.That(job.GetProperty("ignoredColumns").EnumerateArray().Select(c => c.GetString()), Is.EqualTo(new[] { "123bad" }));

        var ada = await StoredCustomers.ByEmailAsync(Factory, "ada@csv.test");
        Assert.That(ada, Is.Not.Null);
        Assert.That((ada!.Name, ada.Phone, ada.TimeZone), Is.EqualTo(("Lovelace; Ada", "+4915112345678", "Europe/Berlin")));
        Assert.That(ada.Profile.BirthDate, Is.EqualTo(new DateOnly(1990, 12, 10)));
        Assert.That(ada.Tags, Is.EqualTo(new[] { "vip", "beta" }));
        Assert.That(ada.Consent.Email!.Status, Is.EqualTo(ConsentStatus.OptedIn));
        Assert.That(ada.Consent.Email.Source, Is.EqualTo("import"));
        Assert.That(ada.CustomAttributes["Loyalty_Tier"], Is.EqualTo(CustomAttributeValue.Of("Gold")));
        Assert.That(ada.CustomAttributes["Signup_Date"].Type, Is.EqualTo(CustomAttributeType.Date));
        Assert.That(ada.CustomAttributes["Score"], Is.EqualTo(CustomAttributeValue.Of(42.5m)));
        Assert.That(ada.CustomAttributes["VIP"], Is.EqualTo(CustomAttributeValue.Of(true)));
        Assert.That(ada.CustomAttributes.ContainsKey("123bad"), Is.False);

        var bob = await StoredCustomers.ByEmailAsync(Factory, "bob@csv.test");
        Assert.That(bob!.Name, Is.EqualTo("Bob \"The Builder\"\nsecond line"));
        Assert.That(bob.Consent.Email!.Status, Is.EqualTo(ConsentStatus.OptedOut));
        Assert.That(bob.CustomAttributes["Score"], Is.EqualTo(CustomAttributeValue.Of(7m)));

        using var failures = await Client.GetAsync(location + "/failures");
        Assert.That(failures.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(failures.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/csv"));
        var lines = await ReadCsvAsync(await failures.Content.ReadAsStringAsync());
        Assert.That(lines.Select(l => l["row"]), Is.EqualTo(new[] { "4", "5", "6" }));
        Assert.That(lines[0]["Email"], Is.EqualTo("not-an-email"));
        Assert.That(lines[0]["field"], Is.EqualTo("email"));
        Assert.That((lines[1]["birth_date"], lines[1]["consent_email"]), Is.EqualTo(("10-12-1990", "maybe")));
        Assert.That(lines[1]["field"], Is.EqualTo("profile.birthDate; consent.email"));
        Assert.That(lines[2]["field"], Is.EqualTo("timeZone"));
        Assert.That(lines.All(l => l["reason"].Length > 0), Is.True);
    }

    [Test]
    public async Task A_text_csv_body_updates_existing_customers_by_email_and_keeps_fields_it_does_not_name()
    {
        await PostCsvAsync("email,name,city,tags\nkeep@body.test,Keep,Berlin,a;b\n");
        using var second = await PostCsvAsync("email,name\nKEEP@body.test,Kept\nnew@body.test,New\n");

        var job = await CompletedAsync(second.Headers.Location!.ToString());

        Assert.That(
            (job.GetProperty("rowsInserted").GetInt32(), job.GetProperty("rowsUpdated").GetInt32(), job.GetProperty("rowsFailed").GetInt32()),
            Is.EqualTo((1, 1, 0)));
        var kept = await StoredCustomers.ByEmailAsync(Factory, "keep@body.test");
        Assert.That((kept!.Name, kept.Profile.City), Is.EqualTo(("Kept", "Berlin")));
        Assert.That(kept.Tags, Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task A_file_without_an_email_column_fails_the_job_saying_why()
    {
        using var response = await PostCsvAsync("name,city\nNobody,Paris\n");

        var job = await CompletedAsync(response.Headers.Location!.ToString());

        Assert.That(job.GetProperty("status").GetString(), Is.EqualTo("failed"));
        Assert.That(job.GetProperty("error").GetString(), Does.Contain("email"));
    }

    [Test]
    public async Task An_unknown_import_id_is_not_found()
    {
        using var job = await Client.GetAsync(Url + "/0123456789abcdef0123456789abcdef");
        using var failures = await Client.GetAsync(Url + "/0123456789abcdef0123456789abcdef/failures");

        await job.ReadProblemAsync(404);
        await failures.ReadProblemAsync(404);
    }

    [Test]
    public async Task An_upload_of_another_media_type_is_refused_as_unsupported()
    {
        using var content = new StringContent("""{"email":"a@b.test"}""", Encoding.UTF8, "application/json");

        using var response = await Client.PostAsync(Url, content);

        await response.ReadProblemAsync(415);
    }

    [Test]
    public async Task A_form_without_a_file_part_is_refused_naming_the_field()
    {
        using var form = new MultipartFormDataContent { { new StringContent("x"), "other" } };

        using var response = await Client.PostAsync(Url, form);

        var problem = await response.ReadProblemAsync(400);
        Assert.That(problem.GetProperty("errors").TryGetProperty("file", out _), Is.True);
    }

    private async Task<HttpResponseMessage> PostCsvAsync(string csv)
    {
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        var response = await Client.PostAsync(Url, content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        return response;
    }

    /// <summary>Polls the job as a client would until it has finished.</summary>
    private async Task<JsonElement> CompletedAsync(string location)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await Client.GetAsync(location);
            var job = await response.ReadJsonAsync();
            var status = job.GetProperty("status").GetString();
            if (status is "completed" or "failed")
            {
                return job;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"the import finishes; it is still {status}");
            await Task.Delay(50);
        }
    }

    private static async Task<List<Dictionary<string, string>>> ReadCsvAsync(string text)
    {
        var lines = new List<Dictionary<string, string>>();
        await using var csv = await CsvDataReader.CreateAsync(new StringReader(text.TrimStart('\uFEFF')));
        while (await csv.ReadAsync())
        {
            lines.Add(Enumerable.Range(0, csv.FieldCount).ToDictionary(csv.GetName, csv.GetString, StringComparer.Ordinal));
        }

        return lines;
    }
}
