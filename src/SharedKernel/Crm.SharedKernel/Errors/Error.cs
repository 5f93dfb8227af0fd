namespace Crm.SharedKernel.Errors;

/// <summary>
/// An expected failure, returned as a value rather than thrown. <see cref="Code"/> is stable and machine-readable
/// (e.g. <c>customers.email_taken</c>); <see cref="Message"/> is for people and must hold no personal data.
/// </summary>
public sealed record Error(string Code, string Message, ErrorKind Kind)
{
    /// <summary>Messages keyed by field path (camelCase, as in the JSON the client sent).</summary>
    public IReadOnlyDictionary<string, string[]>? FieldErrors { get; init; }

    /// <summary>When the client may retry, for <see cref="ErrorKind.TooManyRequests"/> and <see cref="ErrorKind.Unavailable"/>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static Error Validation(string code, string message, IReadOnlyDictionary<string, string[]>? fieldErrors = null) =>
        new(code, message, ErrorKind.Validation) { FieldErrors = fieldErrors };

    /// <summary>
    /// The request's fields broke their rules: messages keyed by field path. (Not an overload of
    /// <see cref="Validation"/>: <c>Validation(code, message)</c> would bind to it and turn the code into a field.)
    /// </summary>
    public static Error InvalidFields(IReadOnlyDictionary<string, string[]> fieldErrors) =>
        Validation("validation", "One or more fields are invalid.", fieldErrors);

    /// <summary>A validation error on a single field.</summary>
    public static Error InvalidField(string field, string message) =>
        Validation("validation", message, new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    public static Error NotFound(string code, string message) => new(code, message, ErrorKind.NotFound);

    public static Error Conflict(string code, string message, IReadOnlyDictionary<string, string[]>? fieldErrors = null) =>
        new(code, message, ErrorKind.Conflict) { FieldErrors = fieldErrors };

    public static Error PreconditionFailed(string code, string message) => new(code, message, ErrorKind.PreconditionFailed);

    public static Error Unprocessable(string code, string message, IReadOnlyDictionary<string, string[]>? fieldErrors = null) =>
        new(code, message, ErrorKind.Unprocessable) { FieldErrors = fieldErrors };

    public static Error Unauthorized(string code, string message) => new(code, message, ErrorKind.Unauthorized);

    public static Error Forbidden(string code, string message) => new(code, message, ErrorKind.Forbidden);

    public static Error TooManyRequests(string code, string message, TimeSpan? retryAfter = null) =>
        new(code, message, ErrorKind.TooManyRequests) { RetryAfter = retryAfter };

    public static Error TooLarge(string code, string message) => new(code, message, ErrorKind.TooLarge);

    public static Error UnsupportedMediaType(string code, string message) => new(code, message, ErrorKind.UnsupportedMediaType);

    public static Error Unavailable(string code, string message, TimeSpan? retryAfter = null) =>
        new(code, message, ErrorKind.Unavailable) { RetryAfter = retryAfter };
}
