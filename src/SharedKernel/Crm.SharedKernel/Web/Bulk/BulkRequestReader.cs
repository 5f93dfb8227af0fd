using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Crm.SharedKernel.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Crm.SharedKernel.Web.Bulk;

/// <summary>
/// Reads a bulk request body, a JSON array or NDJSON, row by row into <typeparamref name="T"/> without holding the
/// body in memory. A row that does not parse or bind becomes a <see cref="BulkRowError"/> and the others go on;
/// what cannot be gone past stops the call: a broken array (400 naming the line and position), more rows than
/// allowed (413), a content type or charset that is not read here (415).
/// </summary>
public static class BulkRequestReader
{
    /// <summary>The media types read as NDJSON; <c>application/json</c> (and any <c>+json</c>) is read as an array.</summary>
    public static readonly IReadOnlyList<string> NdjsonMediaTypes =
        ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonl", "application/jsonlines", "application/x-jsonlines"];

    private const int InitialBufferSize = 64 * 1024;

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
        ArgumentNullException.ThrowIfNull(request);
        var format = FormatOf(request.ContentType);
        if (format.IsFailure)
        {
            return format.Error;
        }

        return await ReadAllAsync<T>(request.Body, format.Value, HostJsonOptions(request.HttpContext), options ?? new BulkReadOptions(), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The serializer options the host's minimal APIs use, so bulk rows bind as single requests do.</summary>
    public static JsonSerializerOptions HostJsonOptions(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return httpContext.RequestServices.GetService<IOptions<HttpJsonOptions>>()?.Value.SerializerOptions ?? JsonSerializerOptions.Web;
    }

    /// <summary>Reads every row; the call's refusal (400, 413) is returned as an error instead of the rows.</summary>
    public static async Task<Result<IReadOnlyList<BulkRow<T>>>> ReadAllAsync<T>(
        Stream body,
        BulkFormat format,
        JsonSerializerOptions json,
        BulkReadOptions options,
        CancellationToken cancellationToken = default)
        where T : class
    {
        var rows = new List<BulkRow<T>>();
        try
        {
            await foreach (var row in ReadAsync<T>(body, format, json, options, cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }
        }
        catch (BulkBodyException refused)
        {
            return refused.Error;
        }

        return rows;
    }

    /// <summary>
    /// Streams the rows as they are read. When the call as a whole must be refused, enumeration throws
    /// <see cref="BulkBodyException"/> carrying the error; a caller that writes while streaming must be ready for
    /// rows already written by then (prefer <see cref="ReadAllAsync{T}"/> when "nothing written" matters).
    /// </summary>
    public static async IAsyncEnumerable<BulkRow<T>> ReadAsync<T>(
        Stream body,
        BulkFormat format,
        JsonSerializerOptions json,
        BulkReadOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(options);

        var parser = new BulkBodyParser<T>(format, json);
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var start = 0;
        var end = 0;
        var eof = false;
        var rows = new List<BulkRow<T>>();
        var count = 0;
        try
        {
            while (true)
            {
                rows.Clear();
                start += parser.Parse(buffer.AsSpan(start, end - start), eof, rows);
                foreach (var row in rows)
                {
                    if (++count > options.MaxRows)
                    {
                        throw new BulkBodyException(Error.TooLarge(
                            "bulk.too_many_rows",
                            $"A bulk call may hold at most {options.MaxRows} rows; split the data into several calls. Nothing was written."));
                    }

                    yield return row;
                }

                if (eof)
                {
                    yield break;
                }

                if (start > 0)
                {
                    // Keep the unparsed tail at the front, so a partial row grows in place.
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    parser.Discarded(start);
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, end);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    eof = true;
                }

                end += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
