using System.Text.Json;
using Crm.SharedKernel.Errors;

namespace Crm.SharedKernel.Web.Bulk;

/// <summary>
/// The synchronous half of <see cref="BulkRequestReader"/>: parses the complete rows in a buffer and says how many
/// bytes it used; the caller keeps the rest and appends more. Array framing is followed with one
/// <see cref="Utf8JsonReader"/> whose state (line numbers included) carries over from buffer to buffer.
/// </summary>
internal sealed class BulkBodyParser<T>(BulkFormat format, JsonSerializerOptions json)
    where T : class
{
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    private readonly JsonReaderOptions _readerOptions = new()
    {
        AllowTrailingCommas = json.AllowTrailingCommas,
        CommentHandling = json.ReadCommentHandling,
        MaxDepth = json.MaxDepth == 0 ? 64 : json.MaxDepth,
    };

    private JsonReaderState _state;
    private Phase _phase = Phase.BeforeArray;
    private bool _started;
    private long _offset;
    private int _row;

    private enum Phase
    {
        BeforeArray,
        InArray,
        AfterArray,
    }

    /// <summary>The caller dropped <paramref name="count"/> parsed bytes from the front of its buffer.</summary>
    public void Discarded(int count) => _offset += count;

    /// <summary>Parses the complete rows in <paramref name="data"/> into <paramref name="rows"/>; returns the bytes used.</summary>
    public int Parse(ReadOnlySpan<byte> data, bool final, List<BulkRow<T>> rows)
    {
        var skipped = 0;
        if (!_started)
        {
            if (data.Length < Bom.Length && !final && Bom.StartsWith(data))
            {
                return 0;
            }

            _started = true;
            _state = new JsonReaderState(_readerOptions);
            if (data.StartsWith(Bom))
            {
                skipped = Bom.Length;
                data = data[Bom.Length..];
            }
        }

        return skipped + (format == BulkFormat.Ndjson ? ParseLines(data, final, rows) : ParseArray(data, final, rows));
    }

    private int ParseLines(ReadOnlySpan<byte> data, bool final, List<BulkRow<T>> rows)
    {
        var used = 0;
        while (used < data.Length)
        {
            var rest = data[used..];
            var newline = rest.IndexOf((byte)'\n');
            if (newline < 0 && !final)
            {
                break;
            }

            var line = newline < 0 ? rest : rest[..newline];
            used += newline < 0 ? rest.Length : newline + 1;
            line = line.Trim(" \t\r"u8);
            if (line.IsEmpty)
            {
                continue;
            }

            rows.Add(Bind(line, ++_row));
        }

        return used;
    }

    private int ParseArray(ReadOnlySpan<byte> data, bool final, List<BulkRow<T>> rows)
    {
        if (final && _phase == Phase.BeforeArray && data.Trim(" \t\r\n"u8).IsEmpty)
        {
            EndOfBody(0);
        }

        var reader = new Utf8JsonReader(data, final, _state);
        var used = 0;
        try
        {
            while (true)
            {
                var before = reader.CurrentState;
                var beforeUsed = (int)reader.BytesConsumed;
                if (!reader.Read())
                {
                    if (final)
                    {
                        EndOfBody(reader.BytesConsumed);
                    }

                    _state = reader.CurrentState;
                    used = (int)reader.BytesConsumed;
                    break;
                }

                if (_phase == Phase.BeforeArray)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw Framing("the body must be a JSON array of rows", reader);
                    }

                    _phase = Phase.InArray;
                    continue;
                }

                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    _phase = Phase.AfterArray;
                    continue;
                }

                var elementStart = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    // The row runs past this buffer: start again from its first byte when more has arrived.
                    _state = before;
                    used = beforeUsed;
                    break;
                }

                rows.Add(Bind(data[elementStart..(int)reader.BytesConsumed], ++_row));
            }
        }
        catch (JsonException broken)
        {
            throw Framing(broken, reader.BytesConsumed);
        }

        return used;
    }

    private void EndOfBody(long consumed)
    {
        var missing = _phase switch
        {
            Phase.BeforeArray => "the body is empty: it must be a JSON array of rows",
            Phase.InArray => "the body ends before the array is closed with ']'",
            _ => null,
        };
        if (missing is not null)
        {
            throw new BulkBodyException(Error.Validation(
                "bulk.malformed",
                $"The bulk body is not a well-formed JSON array: {missing} (at byte {_offset + consumed + 1}, after row {_row}). Nothing was written."));
        }
    }

    private BulkBodyException Framing(string what, Utf8JsonReader reader) =>
        new(Error.Validation(
            "bulk.malformed",
            $"The bulk body is not a well-formed JSON array: {what} (at byte {_offset + reader.TokenStartIndex + 1}). Nothing was written."));

    private BulkBodyException Framing(JsonException broken, long consumed)
    {
        // The reader's state carries line numbers across buffers, so these are positions in the whole body (1-based here).
        var where = broken.LineNumber is { } line && broken.BytePositionInLine is { } position
            ? $"line {line + 1}, position {position + 1}"
            : $"byte {_offset + consumed + 1}";
        return new BulkBodyException(Error.Validation(
            "bulk.malformed",
            $"The bulk body is not a well-formed JSON array: the parser stopped at {where}, in row {_row + 1}. Nothing was written."));
    }

    private BulkRow<T> Bind(ReadOnlySpan<byte> row, int number)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(row, json) is { } value
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
