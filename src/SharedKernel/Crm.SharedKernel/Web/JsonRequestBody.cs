using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.SharedKernel.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.SharedKernel.Web;

/// <summary>
/// Reads a JSON body an endpoint parses itself (a merge patch, a body that must be checked before binding). Client
/// mistakes surface the way the framework's own binding reports them, as <see cref="BadHttpRequestException"/>s the
/// host turns into problems: 415 for another media type or charset, 413 over the size limit, 400 naming the position
/// of malformed JSON. Minimal API binding is not used here because it has no per-endpoint size limit in every server.
/// </summary>
public static class JsonRequestBody
{
    /// <summary>The limit for a single resource's JSON: far above any valid customer or order, far below a bulk call.</summary>
    public const long DefaultMaxBytes = 1024 * 1024;

    /// <summary>
    /// The body parsed as JSON, or null when there is none (no bytes). <paramref name="mediaTypes"/> are the accepted
    /// media types (e.g. <c>application/json</c>); a body without a Content-Type is refused with 415.
    /// </summary>
    public static async Task<JsonNode?> ReadAsync(
        HttpRequest request,
        IReadOnlyList<string> mediaTypes,
        long maxBytes = DefaultMaxBytes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(mediaTypes);
        if (request.ContentLength is > 0 && request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var bytes = await ReadBytesAsync(request.Body, maxBytes, cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0 && string.IsNullOrEmpty(request.ContentType))
        {
            return null;
        }

        EnsureMediaType(request, mediaTypes);
        if (bytes.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException json)
        {
            throw new BadHttpRequestException("The request body is not valid JSON.", StatusCodes.Status400BadRequest, json);
        }
    }

    /// <summary>
    /// <paramref name="node"/> as <typeparamref name="T"/> with the API's JSON options; a value of the wrong type is a
    /// 400 error naming its field (<c>profile.age</c>), not a parse failure of the whole body.
    /// </summary>
    public static Result<T> Bind<T>(JsonNode node, HttpContext httpContext)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(httpContext);
        if (node is not JsonObject)
        {
            return Error.InvalidField("$", "The body must be a JSON object.");
        }

        try
        {
            return node.Deserialize<T>(OptionsOf(httpContext)) is { } value
                ? value
                : Error.InvalidField("$", "The body must be a JSON object.");
        }
        catch (JsonException json)
        {
            var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "$" : json.Path.TrimStart('$', '.');
            return Error.InvalidField(field, "has a value of the wrong type or form");
        }
    }

    /// <summary>The host's API JSON options (camelCase, enums as camelCase strings).</summary>
    public static JsonSerializerOptions OptionsOf(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
    }

    public static BadHttpRequestException TooLarge(long maxBytes) =>
        new($"The request body is larger than the {maxBytes} bytes accepted here.", StatusCodes.Status413PayloadTooLarge);

    private static void EnsureMediaType(HttpRequest request, IReadOnlyList<string> mediaTypes)
    {
        var accepted = string.Join(" or ", mediaTypes);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaTypes.Any(type => mediaType.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase)))
        {
            throw new BadHttpRequestException(
                $"The content type '{request.ContentType ?? "(none)"}' is not accepted here; send {accepted}.",
                StatusCodes.Status415UnsupportedMediaType);
        }

        if (mediaType.Charset.HasValue
            && !HeaderUtilities.RemoveQuotes(mediaType.Charset).Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            throw new BadHttpRequestException(
                $"The charset '{mediaType.Charset}' is not supported here; send UTF-8.",
                StatusCodes.Status415UnsupportedMediaType);
        }
    }

    private static async Task<byte[]> ReadBytesAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
