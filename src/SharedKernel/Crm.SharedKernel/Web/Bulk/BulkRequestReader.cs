using System.Text.Json;
using Crm.SharedKernel.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.SharedKernel.Web.Bulk;

/// <summary>
/// Reads a bulk request body, a JSON array or NDJSON, into rows. A row that does not parse or bind becomes a
/// <see cref="BulkRowError"/> and the others go on; what cannot be gone past stops the call before any row is used:
/// a broken array (400 naming the line and position), more rows than allowed (413), a content type or charset that
/// is not read here (415).
/// </summary>
public static class BulkRequestReader
{
    /// <summary>The media types read as NDJSON; <c>application/json</c> (and any <c>+json</c>) is read as an array.</summary>
    public static readonly IReadOnlyList<string> NdjsonMediaTypes =
        ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonl", "application/jsonlines", "application/x-jsonlines"];

    /// <summary>The framing named by <paramref name="contentType"/>, or a 415 error naming what is accepted.</summary>
    public static Result<BulkFormat> FormatOf(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return Unsupported(contentType);
        }

        if (mediaType.Charset.HasValue
            && !string.Equals(HeaderUtilities.RemoveQuotes(mediaType.Charset).ToString(), "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Error.UnsupportedMediaType("bulk.unsupported_charset", "Bulk bodies must be UTF-8.");
        }

        var type = mediaType.MediaType.ToString();
        if (NdjsonMediaTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            return BulkFormat.Ndjson;
        }

        return string.Equals(type, "application/json", StringComparison.OrdinalIgnoreCase)
               || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            ? BulkFormat.JsonArray
            : Unsupported(contentType);
    }

    /// <summary>
    /// Reads every row of the request's body with the host's JSON options. Nothing is returned (and so nothing can be
    /// written) when the call as a whole is refused.
    /// </summary>
    public static async Task<Result<IReadOnlyList<BulkRow<T>>>> ReadBulkRowsAsync<T>(
        this HttpRequest request,
        BulkReadOptions? options = null,
        CancellationToken cancellationToken = default)
        where T : class
    {
        var body = await request.ReadBulkBodyAsync(options, cancellationToken).ConfigureAwait(false);
        return BindAll<T>(body);
    }

    /// <summary>
    /// Reads the request's body whole and checks its framing and row count, binding no row yet: the caller binds the
    /// rows a chunk at a time (<see cref="BulkBody.Bind{T}"/>), so a large call never holds all its rows as objects.
    /// </summary>
    public static async Task<Result<BulkBody>> ReadBulkBodyAsync(
        this HttpRequest request,
        BulkReadOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var format = FormatOf(request.ContentType);
        if (format.IsFailure)
        {
            return format.Error;
        }

        return await BulkBody.ReadAsync(request.Body, format.Value, HostJsonOptions(request.HttpContext), options ?? new BulkReadOptions(), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The serializer options the host's minimal APIs use, so bulk rows bind as single requests do.</summary>
    public static JsonSerializerOptions HostJsonOptions(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.RequestServices.GetService<IOptions<HttpJsonOptions>>()?.Value.SerializerOptions ?? JsonSerializerOptions.Web;
    }

    /// <summary>Reads and binds every row; the call's refusal (400, 413) is returned as an error instead of the rows.</summary>
    public static async Task<Result<IReadOnlyList<BulkRow<T>>>> ReadAllAsync<T>(
        Stream body,
        BulkFormat format,
        JsonSerializerOptions json,
        BulkReadOptions options,
        CancellationToken cancellationToken = default)
        where T : class
    {
        var read = await BulkBody.ReadAsync(body, format, json, options, cancellationToken).ConfigureAwait(false);
        return BindAll<T>(read);
    }

    /// <summary>Every row of a read body, bound; the body's buffer goes back to the pool.</summary>
    private static Result<IReadOnlyList<BulkRow<T>>> BindAll<T>(Result<BulkBody> read)
        where T : class
    {
        if (read.IsFailure)
        {
            return read.Error;
        }

        using (read.Value)
        {
            return read.Value.Bind<T>(0, read.Value.Count);
        }
    }

    private static Error Unsupported(string? contentType) =>
        Error.UnsupportedMediaType(
            "bulk.unsupported_media_type",
            $"A bulk body must be application/json (an array of rows) or application/x-ndjson (one row per line), not '{contentType ?? "none"}'.");
}

/// <summary>The whole bulk call is refused (broken framing, too many rows); <see cref="Error"/> says how to answer.</summary>
public sealed class BulkBodyException : Exception
{
    public BulkBodyException(Error error)
        : base(error?.Message)
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    public Error Error { get; }
}
