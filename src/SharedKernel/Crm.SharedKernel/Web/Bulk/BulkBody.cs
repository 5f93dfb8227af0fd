using System.Text.Json;
using Crm.SharedKernel.Buffers;
using Crm.SharedKernel.Errors;

namespace Crm.SharedKernel.Web.Bulk;

/// <summary>
/// A bulk request body held as bytes in a pooled buffer, its framing and row count already checked, so nothing has
/// been written when the call is refused. Rows are bound on demand: a caller that binds, applies and drops one chunk
/// at a time keeps one chunk of objects alive instead of the whole call (on the customers bulk path, binding all
/// 100,000 rows up front made the garbage collector carry them through every collection until the last was written).
/// Bind may run on several threads at once; dispose only when no bind is running.
/// </summary>
public sealed class BulkBody : IDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    /// <summary>The room asked for before each read of the request body.</summary>
    private const int ReadSize = 16 * 1024;

    /// <summary>Rows bound by one worker at a time when a chunk is bound in parallel.</summary>
    private const int BindPartition = 512;

    private readonly JsonSerializerOptions _json;
    private readonly List<BulkRowSlice> _rows;
    private readonly PooledBufferWriter _buffer;
    private bool _disposed;

    private BulkBody(PooledBufferWriter buffer, List<BulkRowSlice> rows, BulkFormat format, JsonSerializerOptions json)
    {
        _buffer = buffer;
        _rows = rows;
        Format = format;
        _json = json;
    }

    public BulkFormat Format { get; }

    /// <summary>The rows in the body (blank NDJSON lines are not rows).</summary>
    public int Count => _rows.Count;

    /// <summary>Reads <paramref name="body"/> to its end and splits it into rows; a refused call is an error.</summary>
    public static async Task<Result<BulkBody>> ReadAsync(
        Stream body,
        BulkFormat format,
        JsonSerializerOptions json,
        BulkReadOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(options);

        PooledBufferWriter? buffer = new(InitialBufferSize);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.GetMemory(ReadSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Advance(read);
            }

            var readerOptions = new JsonReaderOptions
            {
                AllowTrailingCommas = json.AllowTrailingCommas,
                CommentHandling = json.ReadCommentHandling,
                MaxDepth = json.MaxDepth == 0 ? 64 : json.MaxDepth,
            };
            var rows = BulkBodyParser.Split(buffer.WrittenSpan, format, readerOptions, options.MaxRows);
            var bulkBody = new BulkBody(buffer, rows, format, json);
            buffer = null;
            return bulkBody;
        }
        catch (BulkBodyException refused)
        {
            return refused.Error;
        }
        finally
        {
            buffer?.Dispose();
        }
    }

    /// <summary>Binds rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1 (0-based) into <typeparamref name="T"/>.</summary>
    public BulkRow<T>[] Bind<T>(int start, int count)
        where T : class
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, _rows.Count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var rows = new BulkRow<T>[count];
        if (count < 2 * BindPartition)
        {
            for (var i = 0; i < count; i++)
            {
                rows[i] = Bind<T>(_rows[start + i]);
            }

            return rows;
        }

        // Rows are independent: binding is the costliest step of reading a large call, so it uses every core.
        Parallel.For(0, (count + BindPartition - 1) / BindPartition, partition =>
        {
            var end = Math.Min(count, (partition + 1) * BindPartition);
            for (var i = partition * BindPartition; i < end; i++)
            {
                rows[i] = Bind<T>(_rows[start + i]);
            }
        });
        return rows;
    }

    public void Dispose()
    {
        _disposed = true;
        _buffer.Dispose();
    }

    private BulkRow<T> Bind<T>(BulkRowSlice slice)
        where T : class
    {
        var number = slice.Row;
        try
        {
            return JsonSerializer.Deserialize<T>(_buffer.WrittenSpan.Slice(slice.Start, slice.Length), _json) is { } value
                ? new BulkRow<T>(number, value, null)
                : new BulkRow<T>(number, null, new BulkRowError(number, null, "The row is null; it must be a JSON object."));
        }
        catch (JsonException invalid)
        {
            return new BulkRow<T>(number, null, RowError(number, invalid));
        }
    }

    /// <summary>Names the field and the kind of fault without the serializer's message, which names .NET types.</summary>
    private static BulkRowError RowError(int number, JsonException invalid)
    {
        var field = FieldOf(invalid.Path);
        if (field is null)
        {
            var where = invalid.BytePositionInLine is { } position ? $" (the parser stopped at position {position + 1})" : string.Empty;
            return new BulkRowError(number, null, $"The row is not a JSON object of the expected shape{where}.");
        }

        return new BulkRowError(number, field, "has a value of the wrong type or form");
    }

    /// <summary><c>$.profile.age</c> becomes <c>profile.age</c>; the root (<c>$</c>) is no field.</summary>
    private static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }
}
