namespace Crm.SharedKernel.Errors;

/// <summary>
/// A request failed its validators and its handler's response type cannot carry an <see cref="Error"/>.
/// The host's exception handler turns it into a 400 problem with the field errors; it never reaches a client as a 500.
/// </summary>
public sealed class RequestValidationException : Exception
{
    public RequestValidationException(string requestType, IReadOnlyDictionary<string, string[]> fieldErrors)
        : base($"{requestType} failed validation on {string.Join(", ", fieldErrors.Keys)}.")
    {
        RequestType = requestType;
        FieldErrors = fieldErrors;
    }

    public string RequestType { get; }

    /// <summary>Messages keyed by field path (camelCase).</summary>
    public IReadOnlyDictionary<string, string[]> FieldErrors { get; }

    public Error ToError() => Error.InvalidFields(FieldErrors);
}
