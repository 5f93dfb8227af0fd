using System.Text.Json;
using Crm.SharedKernel.Errors;

namespace Crm.SharedKernel.Web.Bulk;

/// <summary>Where one row lies in a bulk body: its 1-based number and its bytes.</summary>
internal readonly record struct BulkRowSlice(int Row, int Start, int Length);

/// <summary>
/// Splits a complete bulk body into rows without binding them: a JSON array is followed with one
/// <see cref="Utf8JsonReader"/> (so a broken array is found before any row is used), NDJSON line by line. What cannot
/// be gone past throws <see cref="BulkBodyException"/>: broken framing (400 naming the line and position) and more
/// rows than allowed (413).
/// </summary>
internal static class BulkBodyParser
{
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    public static List<BulkRowSlice> Split(ReadOnlySpan<byte> body, BulkFormat format, JsonReaderOptions readerOptions, int maxRows)
    {
        var skipped = body.StartsWith(Bom) ? Bom.Length : 0;
        var rows = new List<BulkRowSlice>();
        if (format == BulkFormat.Ndjson)
        {
            SplitLines(body, skipped, rows, maxRows);
        }
        else
        {
            SplitArray(body, skipped, readerOptions, rows, maxRows);
        }

        return rows;
    }

    private static void SplitLines(ReadOnlySpan<byte> body, int used, List<BulkRowSlice> rows, int maxRows)
    {
        while (used < body.Length)
        {
            var rest = body[used..];
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            var lineStart = used;
            used += newline < 0 ? rest.Length : newline + 1;

            var leading = line.Length - line.TrimStart(" \t\r"u8).Length;
            line = line.Trim(" \t\r"u8);
            if (!line.IsEmpty)
            {
                Add(rows, new BulkRowSlice(rows.Count + 1, lineStart + leading, line.Length), maxRows);
            }
        }
    }

    private static void SplitArray(ReadOnlySpan<byte> body, int offset, JsonReaderOptions readerOptions, List<BulkRowSlice> rows, int maxRows)
    {
        var data = body[offset..];
        if (data.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw Malformed("the body is empty: it must be a JSON array of rows", offset + 1, rows.Count);
        }

        var reader = new Utf8JsonReader(data, isFinalBlock: true, new JsonReaderState(readerOptions));
        var inArray = false;
        var closed = false;
        try
        {
            while (reader.Read())
            {
                if (!inArray)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw Malformed("the body must be a JSON array of rows", offset + reader.TokenStartIndex + 1, rows.Count);
                    }

                    inArray = true;
                    continue;
                }

                if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == 0)
                {
                    closed = true;
                    continue;
                }

                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                Add(rows, new BulkRowSlice(rows.Count + 1, offset + start, (int)reader.BytesConsumed - start), maxRows);
            }
        }
        catch (JsonException broken)
        {
            // Line numbers are positions in the whole body (1-based here).
            var where = broken.LineNumber is { } line && broken.BytePositionInLine is { } position
                ? $"line {line + 1}, position {position + 1}"
                : $"byte {offset + reader.BytesConsumed + 1}";
            throw new BulkBodyException(Error.Validation(
                "bulk.malformed",
                $"The bulk body is not a well-formed JSON array: the parser stopped at {where}, in row {rows.Count + 1}. Nothing was written."));
        }

        if (!closed)
        {
            throw Malformed("the body ends before the array is closed with ']'", offset + reader.BytesConsumed + 1, rows.Count);
        }
    }

    private static void Add(List<BulkRowSlice> rows, BulkRowSlice row, int maxRows)
    {
        if (rows.Count >= maxRows)
        {
            throw new BulkBodyException(Error.TooLarge(
                "bulk.too_many_rows",
                $"A bulk call may hold at most {maxRows} rows; split the data into several calls. Nothing was written."));
        }

        rows.Add(row);
    }

    private static BulkBodyException Malformed(string what, long byteNumber, int rowsBefore) =>
        new(Error.Validation(
            "bulk.malformed",
            $"The bulk body is not a well-formed JSON array: {what} (at byte {byteNumber}, after row {rowsBefore}). Nothing was written."));
}
