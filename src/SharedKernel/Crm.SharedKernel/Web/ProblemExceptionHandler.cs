using System.Text;
using System.Text.Json;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Crm.SharedKernel.Web;

/// <summary>
/// Turns exceptions that escape an endpoint into problem details. Known faults get their status and a detail a
/// client can act on; anything else is a 500 with a generic title and the trace id, never the exception's message
/// or stack (they may hold personal data or internals). Registered by <see cref="ProblemDetailsServiceCollectionExtensions.AddCrmProblemDetails"/>.
/// </summary>
public sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>How long a client should wait before retrying when the store is down.</summary>
    public static readonly TimeSpan StoreRetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);

        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer and nothing went wrong on our side.
            LogAborted(logger, httpContext.Request.Method, httpContext.Request.Path);
            if (!httpContext.Response.HasStarted)
            {
                httpContext.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            }

            return true;
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        var problem = ToProblem(httpContext, exception);
        await ProblemWriter.WriteAsync(httpContext, problem).ConfigureAwait(false);
        return true;
    }

    private ProblemDetails ToProblem(HttpContext httpContext, Exception exception)
    {
        switch (exception)
        {
            case RequestValidationException validation:
                LogInvalid(logger, validation.RequestType, string.Join(", ", validation.FieldErrors.Keys));
                return validation.ToError().ToProblemDetails();

            case DocumentConflictException conflict:
                LogConflict(logger, conflict.Kind, conflict.Collection, conflict.Index);
                return ConflictProblem(conflict);

            case StoreUnavailableException unavailable:
                LogStoreUnavailable(logger, unavailable);
                ProblemWriter.SetRetryAfter(httpContext, StoreRetryAfter);
                return Error.Unavailable("store.unavailable", "The data store is not answering. Retry shortly.", StoreRetryAfter)
                    .ToProblemDetails();

            case BadHttpRequestException badRequest:
                LogBadRequest(logger, badRequest.StatusCode, httpContext.Request.Method, httpContext.Request.Path);
                return BadRequestProblem(badRequest);

            // The framework's JSON reader throws InvalidOperationException, not a bad request, for a charset it cannot
            // decode: the client's mistake, so a 415 rather than a 500.
            case InvalidOperationException when UnknownCharsetOf(httpContext.Request) is { } charset:
                LogBadRequest(logger, StatusCodes.Status415UnsupportedMediaType, httpContext.Request.Method, httpContext.Request.Path);
                return ProblemTypes.Describe(
                    new ProblemDetails(),
                    StatusCodes.Status415UnsupportedMediaType,
                    $"The charset '{charset}' is not supported here; send UTF-8.");

            default:
                LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
                return ProblemTypes.Describe(
                    new ProblemDetails(),
                    StatusCodes.Status500InternalServerError,
                    "The server could not complete the request. Quote the traceId when reporting it.");
        }
    }

    private static ProblemDetails ConflictProblem(DocumentConflictException conflict)
    {
        if (conflict.Kind == ConflictKind.DuplicateKey)
        {
            var field = FieldPath.ToJson(conflict.Index ?? "id");
            var message = $"Another record already has this {field}.";
            return Error.Conflict(
                    "duplicate",
                    message,
                    new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] })
                .ToProblemDetails();
        }

        return Error.Conflict(
                "version_mismatch",
                "The record was changed by someone else since it was read. Read it again and retry.")
            .ToProblemDetails();
    }

    private static ProblemDetails BadRequestProblem(BadHttpRequestException badRequest) =>
        ProblemTypes.Describe(
            new ProblemDetails(),
            badRequest.StatusCode,
            FindJsonException(badRequest) is { } json ? DescribeJsonError(json) : badRequest.Message);

    /// <summary>The charset the request's Content-Type names, when no encoding of that name exists.</summary>
    private static string? UnknownCharsetOf(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || !mediaType.Charset.HasValue)
        {
            return null;
        }

        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset).ToString();
        try
        {
            _ = Encoding.GetEncoding(charset);
            return null;
        }
        catch (ArgumentException)
        {
            return charset;
        }
    }

    private static JsonException? FindJsonException(Exception exception)
    {
        for (var current = exception.InnerException; current is not null; current = current.InnerException)
        {
            if (current is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    /// <summary>
    /// Names where the parser stopped (line and byte are 1-based here; the parser counts from 0) without echoing
    /// its message, which can name internal .NET types.
    /// </summary>
    private static string DescribeJsonError(JsonException json)
    {
        var where = json.LineNumber is { } line && json.BytePositionInLine is { } position
            ? $" at line {line + 1}, position {position + 1}"
            : string.Empty;
        var path = string.IsNullOrEmpty(json.Path) ? string.Empty : $" (path '{json.Path}')";
        return $"The request body is not valid JSON for this endpoint: the parser stopped{where}{path}.";
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Request {Method} {Path} was aborted by the client")]
    private static partial void LogAborted(ILogger logger, string method, PathString path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{RequestType} failed validation on {Fields}")]
    private static partial void LogInvalid(ILogger logger, string requestType, string fields);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Write conflict ({Kind}) in {Collection} on {Index}")]
    private static partial void LogConflict(ILogger logger, ConflictKind kind, string collection, string? index);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The document store is unavailable")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Bad request ({Status}) on {Method} {Path}")]
    private static partial void LogBadRequest(ILogger logger, int status, string method, PathString path);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, PathString path);
}
