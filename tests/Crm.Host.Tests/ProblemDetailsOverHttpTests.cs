using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Carter;
using Crm.SharedKernel.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests;

/// <summary>What a client sees when things go wrong: problem details, never a stack trace.</summary>
public sealed class ProblemDetailsOverHttpTests : HostFixture
{
    protected override CrmHostFactory CreateFactory() =>
        new CrmHostFactory()
            .WithTestServices(services => services
                .AddSingleton<ICarterModule, ProbeEndpoints>()
                .AddDocumentCollection<ProbeDocument>("probes.documents", c => c.UniqueIndex(d => d.Email)));

    [Test]
    public async Task An_unexpected_exception_is_a_500_problem_with_a_trace_id_and_without_the_exception_message()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/probe/throw", UriKind.Relative));
        var problem = await response.ReadProblemAsync(500);
        var raw = problem.GetRawText();

        Assert.That(raw, Does.Not.Contain(ProbeEndpoints.Secret));
        Assert.That(raw, Does.Not.Contain("hunter2"));
        Assert.That(raw, Does.Not.Contain("InvalidOperationException"));
        Assert.That(raw, Does.Not.Contain(" at "), "no stack trace");
        Assert.That(problem.GetProperty("instance").GetString(), Is.EqualTo("/api/v1/probe/throw"));
    }

    [Test]
    public async Task A_validation_exception_is_a_400_problem_with_errors_keyed_by_field()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/probe/invalid", UriKind.Relative));
        var problem = await response.ReadProblemAsync(400);

        var errors = problem.GetProperty("errors");
        Assert.That(errors.GetProperty("email")[0].GetString(), Is.EqualTo("'Email' must not be empty."));
        Assert.That(errors.GetProperty("age")[0].GetString(), Is.EqualTo("'Age' must be at least 18."));
    }

    [Test]
    public async Task A_duplicate_key_is_a_409_problem_naming_the_field()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/probe/conflict/duplicate", UriKind.Relative));
        var problem = await response.ReadProblemAsync(409);

        Assert.That(problem.GetProperty("errors").TryGetProperty("email", out _), Is.True, problem.GetRawText());
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("email"));
        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("duplicate"));
        Assert.That(problem.GetRawText(), Does.Not.Contain(ProbeEndpoints.Secret));
    }

    [Test]
    public async Task A_duplicate_written_to_the_real_store_is_a_409_problem_naming_the_field_and_not_the_value()
    {
        using var first = await Client.PostAsJsonAsync(new Uri("/api/v1/probe/documents", UriKind.Relative), new { id = "d1", email = "ada@example.com" });
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), await first.Content.ReadAsStringAsync());

        using var second = await Client.PostAsJsonAsync(new Uri("/api/v1/probe/documents", UriKind.Relative), new { id = "d2", email = "ada@example.com" });
        var problem = await second.ReadProblemAsync(409);

        Assert.That(problem.GetProperty("errors").TryGetProperty("email", out _), Is.True, problem.GetRawText());
        Assert.That(problem.GetRawText(), Does.Not.Contain("ada@example.com"));
    }

    [Test]
    public async Task A_version_mismatch_is_a_409_problem_telling_theClient_to_read_again()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/probe/conflict/version", UriKind.Relative));
        var problem = await response.ReadProblemAsync(409);

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("version_mismatch"));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("changed"));
    }

    [Test]
    public async Task An_unavailable_store_is_a_503_problem_with_retry_after_and_no_internal_detail()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/probe/unavailable", UriKind.Relative));
        var problem = await response.ReadProblemAsync(503);

        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(problem.GetRawText(), Does.Not.Contain("10.1.2.3"));
    }

    [Test]
    public async Task Malformed_json_is_a_400_problem_naming_where_the_parser_stopped()
    {
        using var content = new StringContent("{\"name\": \"Ada\", \"age\": }", Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(new Uri("/api/v1/probe/echo", UriKind.Relative), content);
        var problem = await response.ReadProblemAsync(400);

        var detail = problem.GetProperty("detail").GetString();
        Assert.That(detail, Does.Contain("line 1, position 24"));
        Assert.That(detail, Does.Contain("$.age"));
    }

    [Test]
    public async Task A_body_of_the_wrong_type_for_a_field_names_the_field()
    {
        using var content = new StringContent("{\"name\": \"Ada\", \"age\": \"old\"}", Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(new Uri("/api/v1/probe/echo", UriKind.Relative), content);
        var problem = await response.ReadProblemAsync(400);

        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("$.age"));
        Assert.That(problem.GetRawText(), Does.Not.Contain("System.Int32"));
    }

    [Test]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        using var content = new StringContent("name=Ada", Encoding.UTF8, "text/plain");
        using var response = await Client.PostAsync(new Uri("/api/v1/probe/echo", UriKind.Relative), content);
        var problem = await response.ReadProblemAsync(415);

        Assert.That(problem.GetRawText(), Does.Contain("text/plain"));
    }

    [Test]
    public async Task A_body_in_a_charset_the_server_does_not_know_is_a_415_problem_not_a_500()
    {
        using var content = new StringContent("{\"name\": \"Ada\", \"age\": 36}");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=klingon");
        using var response = await Client.PostAsync(new Uri("/api/v1/probe/echo", UriKind.Relative), content);
        var problem = await response.ReadProblemAsync(415);

        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("klingon"));
    }

    [Test]
    public async Task A_valid_body_is_accepted()
    {
        using var content = new StringContent("{\"name\": \"Ada\", \"age\": 36}", Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(new Uri("/api/v1/probe/echo", UriKind.Relative), content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await response.ReadJsonAsync()).GetProperty("age").GetInt32(), Is.EqualTo(36));
    }

    [Test]
    public async Task An_error_value_returned_by_an_endpoint_is_a_problem_with_its_status_and_code()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/probe/not-found", UriKind.Relative));
        var problem = await response.ReadProblemAsync(404);

        Assert.That(problem.GetProperty("code").GetString(), Is.EqualTo("probes.not_found"));
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("No probe has this id."));
    }

    [Test]
    public async Task Too_many_requests_carries_the_retry_after_of_the_error()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/probe/too-many", UriKind.Relative));
        await response.ReadProblemAsync(429);

        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(7)));
    }

    [Test]
    public async Task A_problem_is_json_even_when_theClient_asks_for_html()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/probe/not-found", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var response = await Client.SendAsync(request);

        await response.ReadProblemAsync(404);
    }

    [Test]
    public async Task An_unknown_api_route_is_a_404_problem()
    {
        using var response = await Client.GetAsync(new Uri("/api/v1/no-such-thing", UriKind.Relative));

        await response.ReadProblemAsync(404);
    }

    [Test]
    public async Task An_unknown_api_route_is_a_404_problem_even_when_theClient_asks_for_html()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/no-such-thing", UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        using var response = await Client.SendAsync(request);
        var problem = await response.ReadProblemAsync(404);

        Assert.That(problem.GetProperty("type").GetString(), Does.StartWith("https://www.rfc-editor.org/"));
        Assert.That(problem.GetProperty("detail").GetString(), Is.EqualTo("Nothing is found at this path."));
    }
}
