using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Segments.Features;

/// <summary>
/// The one place the segments routes are grouped: every slice maps its route on <see cref="Group"/> under the
/// permission it needs (<see cref="Permissions.SegmentsRead"/> or <see cref="Permissions.SegmentsWrite"/>).
/// </summary>
internal static class SegmentsApi
{
    public const string PublicPath = "/api/v1/segments";

    public const string Tag = "Segments";

    public const string Json = "application/json";

    public static RouteGroupBuilder Group(IEndpointRouteBuilder app, string permission) =>
        app.MapGroup("/segments").WithTags(Tag).RequirePermission(permission);

    public static string LocationOf(string id) => $"{PublicPath}/{id}";

    /// <summary>The request body as a JSON object; a missing or non-object body is a 400 naming it.</summary>
    public static async Task<Result<JsonObject>> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken) =>
        await JsonRequestBody.ReadAsync(request, [Json], cancellationToken: cancellationToken).ConfigureAwait(false) is JsonObject body
            ? body
            : Error.InvalidField("$", "The body must be a JSON object.");

    /// <summary>A member read by its camelCase or snake_case name (the product's API examples use snake_case).</summary>
    public static JsonNode? Member(JsonObject body, string camelCase, string? snakeCase = null) =>
        body[camelCase] ?? (snakeCase is null ? null : body[snakeCase]);

    public static Result<string?> OptionalText(JsonObject body, string name, int maxLength)
    {
        var node = body[name];
        if (node is null)
        {
            return Result<string?>.Success(null);
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            return Error.InvalidField(name, "must be text");
        }

        var text = node.GetValue<string>().Trim();
        return text.Length > maxLength ? Error.InvalidField(name, $"must be at most {maxLength} characters") : text;
    }

    public static Result<int> OptionalInteger(JsonObject body, string name, string? snakeCase, int fallback, int min, int max)
    {
        var node = Member(body, name, snakeCase);
        if (node is null)
        {
            return fallback;
        }

        return node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var value) && value >= min && value <= max
            ? value
            : Error.InvalidField(name, $"must be a whole number from {min} to {max}");
    }
}
