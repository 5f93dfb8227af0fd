using System.Text.Json;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Crm.Host.Tests.Errors;

public sealed class ProblemExceptionHandlerTests
{
    private readonly ProblemExceptionHandler _handler = new(NullLogger<ProblemExceptionHandler>.Instance);

    [Test]
    public async Task A_validation_exception_is_written_as_a_400_problem_with_field_errors()
    {
        var context = NewContext();
        var exception = new RequestValidationException("CreateCustomer", new Dictionary<string, string[]> { ["email"] = ["'Email' is not a valid email address."] });

        var handled = await _handler.TryHandleAsync(context, exception, CancellationToken.None);

        Assert.That(handled, Is.True);
        var problem = ReadBody(context);
        Assert.That(context.Response.StatusCode, Is.EqualTo(400));
        Assert.That(context.Response.ContentType, Does.StartWith("application/problem+json"));
        Assert.That(problem.GetProperty("errors").GetProperty("email")[0].GetString(), Is.EqualTo("'Email' is not a valid email address."));
    }

    [Test]
    public async Task A_duplicate_on_the_id_names_the_id()
    {
        var context = NewContext();

        await _handler.TryHandleAsync(context, new DocumentConflictException(ConflictKind.DuplicateKey, "customers.customers", "c1", null, "exists"), CancellationToken.None);

        Assert.That(context.Response.StatusCode, Is.EqualTo(409));
        Assert.That(ReadBody(context).GetProperty("errors").TryGetProperty("id", out _), Is.True);
    }

    [Test]
    public async Task A_duplicate_on_a_nested_index_names_the_json_path()
    {
        var context = NewContext();

        await _handler.TryHandleAsync(context, new DocumentConflictException(ConflictKind.DuplicateKey, "customers.customers", "c1", "Contact.Email", "exists"), CancellationToken.None);

        Assert.That(ReadBody(context).GetProperty("errors").TryGetProperty("contact.email", out _), Is.True);
    }

    [Test]
    public async Task A_request_aborted_by_the_client_writes_nothing_and_is_not_a_500()
    {
        using var aborted = new CancellationTokenSource();
        var context = NewContext();
        context.RequestAborted = aborted.Token;
        await aborted.CancelAsync();

        var handled = await _handler.TryHandleAsync(context, new OperationCanceledException(aborted.Token), CancellationToken.None);

        Assert.That(handled, Is.True);
        Assert.That(context.Response.StatusCode, Is.EqualTo(StatusCodes.Status499ClientClosedRequest));
        Assert.That(context.Response.Body.Length, Is.Zero);
    }

    [Test]
    public async Task A_cancellation_the_client_did_not_cause_is_a_500()
    {
        var context = NewContext();

        await _handler.TryHandleAsync(context, new OperationCanceledException("a timeout inside the server"), CancellationToken.None);

        Assert.That(context.Response.StatusCode, Is.EqualTo(500));
        Assert.That(ReadBody(context).GetRawText(), Does.Not.Contain("timeout inside"));
    }

    [Test]
    public async Task A_body_over_the_size_limit_is_a_413_problem_saying_so()
    {
        var context = NewContext();

        await _handler.TryHandleAsync(
            context,
            new BadHttpRequestException("Request body too large. The max request body size is 1024 bytes.", StatusCodes.Status413PayloadTooLarge),
            CancellationToken.None);

        Assert.That(context.Response.StatusCode, Is.EqualTo(413));
        var problem = ReadBody(context);
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(413));
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("1024 bytes"));
    }

    [TestCase(ErrorKind.Validation, 400)]
    [TestCase(ErrorKind.Unauthorized, 401)]
    [TestCase(ErrorKind.Forbidden, 403)]
    [TestCase(ErrorKind.NotFound, 404)]
    [TestCase(ErrorKind.Conflict, 409)]
    [TestCase(ErrorKind.PreconditionFailed, 412)]
    [TestCase(ErrorKind.Unprocessable, 422)]
    [TestCase(ErrorKind.TooManyRequests, 429)]
    [TestCase(ErrorKind.Unavailable, 503)]
    [TestCase(ErrorKind.TooLarge, 413)]
    [TestCase(ErrorKind.UnsupportedMediaType, 415)]
    public void Each_error_kind_maps_to_its_status(ErrorKind kind, int status)
    {
        var problem = new Error("probe", "Probe failed.", kind).ToProblemDetails();

        Assert.That(problem.Status, Is.EqualTo(status));
        Assert.That(problem.Title, Is.Not.Empty);
        Assert.That(problem.Type, Does.StartWith("https://"));
        Assert.That(problem.Detail, Is.EqualTo("Probe failed."));
        Assert.That(problem.Extensions["code"], Is.EqualTo("probe"));
    }

    [Test]
    public void A_validation_error_made_from_a_code_and_a_message_keeps_its_code_and_names_no_field()
    {
        var error = Error.Validation("customers.email_taken", "Another customer has this email.");

        Assert.That(error.Code, Is.EqualTo("customers.email_taken"));
        Assert.That(error.FieldErrors, Is.Null);
    }

    [Test]
    public void A_failed_result_has_its_error_and_no_value()
    {
        Result<int> result = Error.NotFound("x.missing", "Missing.");

        Assert.That(result.IsFailure, Is.True);
        Assert.That(result.Error!.Code, Is.EqualTo("x.missing"));
        Assert.Throws<InvalidOperationException>(() => _ = result.Value);
    }

    private static DefaultHttpContext NewContext()
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider(),
        };
        context.Request.Path = "/api/v1/probe";
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static JsonElement ReadBody(DefaultHttpContext context)
    {
        context.Response.Body.Position = 0;
        using var document = JsonDocument.Parse(context.Response.Body);
        return document.RootElement.Clone();
    }
}
