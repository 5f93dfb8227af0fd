using System.Globalization;
using Crm.SharedKernel.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Crm.SharedKernel.Web;

/// <summary>
/// Gives one endpoint a body limit of its own (bulk and upload endpoints take far more than the host's default),
/// while every other endpoint keeps the server's limit.
/// </summary>
public static class RequestBodyLimit
{
    /// <summary>
    /// Sets the request's body limit to <paramref name="maxBytes"/> before anything is read. A declared length over
    /// it is refused at once; a body without a declared length is cut off where it passes the limit, and the read
    /// throws the framework's 413 <see cref="BadHttpRequestException"/> (mapped to a problem by the host).
    /// </summary>
    public static Result Apply(HttpContext httpContext, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var request = httpContext.Request;
        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }

        if (httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = maxBytes;
        }
        else
        {
            // Servers without the feature (the test server) or a body already being read: count the bytes ourselves.
            request.Body = new LimitedStream(request.Body, maxBytes);
        }

        return Result.Success();
    }

    private static Error TooLarge(long maxBytes) =>
        Error.TooLarge(
            "request.too_large",
            string.Create(CultureInfo.InvariantCulture, $"The request body may hold at most {maxBytes} bytes here; split the data into several requests."));

    private sealed class LimitedStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            if (_read > maxBytes)
            {
                throw new BadHttpRequestException(TooLarge(maxBytes).Message, StatusCodes.Status413PayloadTooLarge);
            }

            return read;
        }
    }
}
