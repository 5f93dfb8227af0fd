using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.SharedKernel.Web;

/// <summary>
/// <c>Idempotency-Key</c> on every POST under the API prefix. The body is hashed while it is buffered (to a temporary
/// file past <see cref="IdempotencyOptions.MemoryBufferBytes"/>, so bulk streams work), together with method, path
/// and query. The first request claims the key; a repeat with the same hash gets the first response again (status,
/// Location, ETag, body, and <c>Idempotent-Replayed: true</c>); with another hash it is a 422; while the first still
/// runs it is a 409. Responses of 5xx, 401, 403, 408 and 429, and requests that threw, release the key so a retry
/// runs again. Keys expire after <see cref="IdempotencyOptions.KeyLifetime"/>.
/// </summary>
public sealed partial class IdempotencyMiddleware(
    RequestDelegate next,
    IDocumentStore store,
    IIdempotencyScope scope,
    IOptions<IdempotencyOptions> options,
    TimeProvider time,
    ILogger<IdempotencyMiddleware> logger)
{
    private static readonly Meter Meter = new("Crm.Idempotency");
    private static readonly Counter<long> Outcomes = Meter.CreateCounter<long>(
        "crm.idempotency.requests", description: "POSTs that carried an Idempotency-Key, by outcome.");

    private readonly IdempotencyOptions _options = options.Value;

    private enum ClaimOutcome
    {
        Claimed,
        Replay,
        InFlight,
        Mismatch,
    }

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method)
            || !request.Path.StartsWithSegments(_options.PathPrefix, StringComparison.OrdinalIgnoreCase)
            || !request.Headers.TryGetValue(IdempotencyOptions.HeaderName, out var values))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (values.Count != 1 || !IsValidKey(values[0]))
        {
            await Error.InvalidField(
                    IdempotencyOptions.HeaderName,
                    $"must be one value of 1 to {IdempotencyOptions.MaxKeyLength} visible ASCII characters, e.g. a UUID")
                .ToProblem()
                .ExecuteAsync(context)
                .ConfigureAwait(false);
            return;
        }

        var cancellationToken = context.RequestAborted;
        var recordId = RecordId(scope.ScopeOf(context), values[0]!);
        var (hash, buffered) = await BufferAndHashAsync(request, cancellationToken).ConfigureAwait(false);
        context.Response.RegisterForDisposeAsync(buffered);
        request.Body = buffered;

        var (outcome, record) = await ClaimAsync(recordId, hash, cancellationToken).ConfigureAwait(false);
        Outcomes.Add(1, new KeyValuePair<string, object?>("crm.idempotency.outcome", outcome.ToString().ToLowerInvariant()));
        switch (outcome)
        {
            case ClaimOutcome.Replay:
                await ReplayAsync(context, record!).ConfigureAwait(false);
                return;
            case ClaimOutcome.Mismatch:
                await Error.Unprocessable(
                        "idempotency.key_reused",
                        "This Idempotency-Key was used with a different request; use a new key for a new request.",
                        new Dictionary<string, string[]>(StringComparer.Ordinal)
                        {
                            [IdempotencyOptions.HeaderName] = ["was used with a different request body"],
                        })
                    .ToProblem()
                    .ExecuteAsync(context)
                    .ConfigureAwait(false);
                return;
            case ClaimOutcome.InFlight:
                await Error.Conflict(
                        "idempotency.in_flight",
                        "A request with this Idempotency-Key is still being processed; retry shortly.")
                    .ToProblem()
                    .ExecuteAsync(context)
                    .ConfigureAwait(false);
                return;
        }

        await RunAndRecordAsync(context, record!).ConfigureAwait(false);
    }

    private static bool IsValidKey(string? key) =>
        key is { Length: > 0 and <= IdempotencyOptions.MaxKeyLength } && key.All(c => c is >= '!' and <= '~');

    private static string RecordId(string callerScope, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(callerScope + "\n" + key)));

    private async Task<(string Hash, Stream Buffered)> BufferAndHashAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _options.MaxBodyBytes)
        {
            throw JsonRequestBody.TooLarge(_options.MaxBodyBytes);
        }

        // The body is read here, before the endpoint: the endpoint's own size limit (a bulk endpoint raises the
        // server's default) must already hold, whether or not routing applied it.
        if (request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } limit
            && request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit.MaxRequestBodySize;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}{request.QueryString}\n"));

        // Reading through the buffering stream keeps every byte (in memory, then in a temp file) for the endpoint.
        var buffered = new FileBufferingReadStream(request.Body, _options.MemoryBufferBytes, bufferLimit: null, Path.GetTempPath());
        try
        {
            var chunk = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await buffered.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > _options.MaxBodyBytes)
                {
                    throw JsonRequestBody.TooLarge(_options.MaxBodyBytes);
                }

                hash.AppendData(chunk, 0, read);
            }

            buffered.Seek(0, SeekOrigin.Begin);
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), buffered);
        }
        catch
        {
            await buffered.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<(ClaimOutcome Outcome, IdempotencyRecord? Record)> ClaimAsync(string recordId, string hash, CancellationToken cancellationToken)
    {
        // Two requests racing for a fresh key both try to insert; the loser reads the winner's record next time round.
        for (var attempt = 0; ; attempt++)
        {
            var session = store.OpenSession();
            await using (session.ConfigureAwait(false))
            {
                var now = time.GetUtcNow();
                var record = await session.LoadAsync<IdempotencyRecord>(recordId, cancellationToken).ConfigureAwait(false);
                if (record is not null && record.ExpiresAt > now)
                {
                    if (!string.Equals(record.RequestHash, hash, StringComparison.Ordinal))
                    {
                        return (ClaimOutcome.Mismatch, record);
                    }

                    if (record.Completed)
                    {
                        return (ClaimOutcome.Replay, record);
                    }

                    if (record.LeaseUntil > now)
                    {
                        return (ClaimOutcome.InFlight, record);
                    }
                }

                record ??= new IdempotencyRecord { Id = recordId };
                record.RequestHash = hash;
                record.Completed = false;
                record.CreatedAt = now;
                record.ExpiresAt = now + _options.KeyLifetime;
                record.LeaseUntil = now + _options.InFlightLease;
                record.StatusCode = 0;
                record.ContentType = record.Location = record.ETag = record.Body = null;
                session.Store(record);
                try
                {
                    await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    return (ClaimOutcome.Claimed, record);
                }
                catch (DocumentConflictException) when (attempt < 3)
                {
                }
            }
        }
    }

    private async Task RunAndRecordAsync(HttpContext context, IdempotencyRecord record)
    {
        var response = context.Response;
        var original = response.Body;
        var capture = new CaptureStream(original, _options.MaxStoredResponseBytes);
        response.Body = capture;
        var finished = false;
        try
        {
            await next(context).ConfigureAwait(false);
            finished = true;
        }
        finally
        {
            response.Body = original;
            if (!finished || capture.PassedThrough || !IsReplayable(response.StatusCode))
            {
                await ReleaseAsync(record).ConfigureAwait(false);
            }
        }

        if (capture.PassedThrough)
        {
            return;
        }

        // Recorded before the client sees the answer, so a client that retries after it gets the replay, never a 409.
        // Not the request's token: a client that went away retries, and should then get this answer.
        await CompleteAsync(record, response, capture.Captured, CancellationToken.None).ConfigureAwait(false);
        var captured = capture.Captured;
        if (captured.Length > 0)
        {
            await original.WriteAsync(captured, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static bool IsReplayable(int status) =>
        status is >= 200 and < 500
            and not StatusCodes.Status401Unauthorized
            and not StatusCodes.Status403Forbidden
            and not StatusCodes.Status408RequestTimeout
            and not StatusCodes.Status429TooManyRequests;

    private async Task CompleteAsync(IdempotencyRecord record, HttpResponse response, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (!IsReplayable(response.StatusCode))
        {
            return;
        }

        record.Completed = true;
        record.StatusCode = response.StatusCode;
        record.ContentType = response.ContentType;
        record.Location = response.Headers.Location.Count > 0 ? response.Headers.Location.ToString() : null;
        record.ETag = response.Headers.ETag.Count > 0 ? response.Headers.ETag.ToString() : null;
        record.Body = body.IsEmpty ? null : Convert.ToBase64String(body.Span);
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(record);
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException)
            {
                // Our lease ran out and another request took the key over: its answer is the one kept.
                LogLeaseLost(logger);
            }
        }
    }

    private async Task ReleaseAsync(IdempotencyRecord record)
    {
        // Not the request's token: a client that went away must not leave its key blocked until the lease ends.
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Delete<IdempotencyRecord>(record.Id, record.Version);
            try
            {
                await session.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (DocumentConflictException)
            {
                LogLeaseLost(logger);
            }
        }
    }

    private static async Task ReplayAsync(HttpContext context, IdempotencyRecord record)
    {
        var response = context.Response;
        response.StatusCode = record.StatusCode;
        response.Headers[IdempotencyOptions.ReplayedHeaderName] = "true";
        if (record.ContentType is not null)
        {
            response.ContentType = record.ContentType;
        }

        if (record.Location is not null)
        {
            response.Headers.Location = record.Location;
        }

        if (record.ETag is not null)
        {
            response.Headers.ETag = record.ETag;
        }

        if (record.Body is not null)
        {
            var body = Convert.FromBase64String(record.Body);
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "An idempotency key's lease ran out before its request finished; the key was taken over")]
    private static partial void LogLeaseLost(ILogger logger);

    /// <summary>Holds the response in memory up to a limit; past it, writes what it holds and everything after straight through.</summary>
    private sealed class CaptureStream(Stream inner, int limit) : Stream
    {
        private readonly MemoryStream _buffer = new();

        public bool PassedThrough { get; private set; }

        public ReadOnlyMemory<byte> Captured => _buffer.GetBuffer().AsMemory(0, (int)_buffer.Length);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
            if (PassedThrough)
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            PassedThrough ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!PassedThrough && _buffer.Length + buffer.Length > limit)
            {
                PassedThrough = true;
                await inner.WriteAsync(Captured, cancellationToken).ConfigureAwait(false);
                _buffer.SetLength(0);
            }

            if (PassedThrough)
            {
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _buffer.Write(buffer.Span);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _buffer.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
