using Crm.SharedKernel.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Crm.SharedKernel.Web;

/// <summary>Maps <see cref="Error"/> values to RFC 9457 problem details.</summary>
public static class ErrorProblemDetails
{
    public static int StatusCodeOf(ErrorKind kind) => kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown error kind."),
    };

    /// <summary>
    /// The problem for <paramref name="error"/>: <c>detail</c> is the error's message, <c>code</c> its code, and
    /// <c>errors</c> its field errors when it has any. <c>instance</c> and <c>traceId</c> are added when written.
    /// </summary>
    public static ProblemDetails ToProblemDetails(this Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var problem = ProblemTypes.Describe(
            error.FieldErrors is { Count: > 0 } fieldErrors
                ? new HttpValidationProblemDetails(fieldErrors.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal))
                : new ProblemDetails(),
            StatusCodeOf(error.Kind),
            error.Message);
        problem.Extensions["code"] = error.Code;
        return problem;
    }

    /// <summary>An endpoint result that writes <paramref name="error"/> as problem details.</summary>
    public static IResult ToProblem(this Error error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new ErrorResult(error);
    }

    /// <summary>The problem for a failed result. Calling it on a successful one is a bug.</summary>
    public static IResult ToProblem(this Result result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.IsFailure
            ? new ErrorResult(result.Error)
            : throw new InvalidOperationException("A successful result has no problem to report.");
    }

    /// <summary>The endpoint's answer: <paramref name="onSuccess"/> of the value, or the error as problem details.</summary>
    public static IResult ToHttpResult<T>(this Result<T> result, Func<T, IResult> onSuccess)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(onSuccess);
        return result.IsSuccess ? onSuccess(result.Value) : new ErrorResult(result.Error);
    }

    /// <summary>The endpoint's answer: <paramref name="onSuccess"/>, or the error as problem details.</summary>
    public static IResult ToHttpResult(this Result result, Func<IResult> onSuccess)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(onSuccess);
        return result.IsSuccess ? onSuccess() : new ErrorResult(result.Error);
    }

    private sealed class ErrorResult(Error error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => StatusCodeOf(error.Kind);

        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            if (error.RetryAfter is { } retryAfter)
            {
                ProblemWriter.SetRetryAfter(httpContext, retryAfter);
            }

            return ProblemWriter.WriteAsync(httpContext, error.ToProblemDetails());
        }
    }
}
