using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Crm.SharedKernel.Web;

/// <summary>The <c>type</c> and <c>title</c> of each status the API answers with, so every problem reads the same.</summary>
public static class ProblemTypes
{
    /// <summary>Sets <paramref name="problem"/>'s status with the type and title that go with it, and its detail when it has none.</summary>
    public static ProblemDetails Describe(ProblemDetails problem, int status, string? detail)
    {
        ArgumentNullException.ThrowIfNull(problem);
        problem.Status = status;
        problem.Type = TypeOf(status);
        problem.Title = TitleOf(status);
        problem.Detail ??= detail;
        return problem;
    }

    public static string TypeOf(int status) => status switch
    {
        400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        403 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.4",
        404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        405 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6",
        406 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.7",
        409 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
        412 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.13",
        413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        415 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
        422 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
        429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        500 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.1",
        503 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
        _ => "about:blank",
    };

    public static string TitleOf(int status) => status switch
    {
        400 => "The request is invalid.",
        401 => "Authentication is required.",
        403 => "The request is not allowed.",
        404 => "The resource was not found.",
        409 => "The request conflicts with the current state.",
        412 => "A precondition failed.",
        413 => "The request body is too large.",
        415 => "The content type is not supported.",
        422 => "The request cannot be processed.",
        429 => "Too many requests.",
        500 => "An unexpected error occurred.",
        503 => "The service is unavailable.",
        _ => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error",
    };
}
