using System.Text;
using System.Text.Json;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web.Bulk;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Web.Bulk;

public sealed class BulkRequestReaderTests
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(4096)]
    public async Task A_json_array_is_read_row_by_row_whatever_size_the_body_arrives_in(int chunk)
    {
        var body = "[" + string.Join(",", Enumerable.Range(1, 500).Select(i => $"{{\"name\":\"n{i}\",\"size\":{i},\"tags\":[\"a\",\"b\"]}}")) + "]";

        var rows = await ReadAsync(body, BulkFormat.JsonArray, chunk);

        Assert.That(rows, Has.Count.EqualTo(500));
        Assert.That(rows.Select(r => r.Row), Is.EqualTo(Enumerable.Range(1, 500)));
        Assert.That(rows.All(r => r.IsValid), Is.True);
        Assert.That(rows[499].Value!.Name, Is.EqualTo("n500"));
        Assert.That(rows[499].Value!.Size, Is.EqualTo(500));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(4096)]
    public async Task Ndjson_skips_blank_lines_and_accepts_crlf_and_a_last_line_without_newline(int chunk)
    {
        var body = "{\"name\":\"a\"}\r\n\n   \n{\"name\":\"b\"}\n{\"name\":\"c\"}";

        var rows = await ReadAsync(body, BulkFormat.Ndjson, chunk);

        Assert.That(rows.Select(r => (r.Row, r.Value?.Name)), Is.EqualTo(new[] { (1, "a"), (2, "b"), (3, "c") }));
    }

    [Test]
    public async Task A_byte_order_mark_before_the_body_is_ignored()
    {
        var rows = await ReadAsync("\uFEFF[{\"name\":\"a\"}]", BulkFormat.JsonArray, 1);

        Assert.That(rows.Single().Value!.Name, Is.EqualTo("a"));
    }

    [Test]
    public async Task A_row_with_a_wrong_typed_field_is_reported_with_its_field_and_the_others_are_read()
    {
        var body = "[{\"name\":\"a\"},{\"name\":\"b\",\"size\":\"big\"},{\"name\":\"c\"}]";

        var rows = await ReadAsync(body, BulkFormat.JsonArray, 5);

        Assert.That(rows.Where(r => r.IsValid).Select(r => r.Value!.Name), Is.EqualTo(new[] { "a", "c" }));
        var error = rows[1].Error!;
        Assert.That((error.Row, error.Field), Is.EqualTo((2, "size")));
        Assert.That(error.Reason, Does.Not.Contain("System."), "no .NET type names reach the client");
    }

    [Test]
    public async Task An_ndjson_line_that_is_not_json_fails_alone()
    {
        var rows = await ReadAsync("{\"name\":\"a\"}\n{not json\n5\nnull\n{\"name\":\"e\"}\n", BulkFormat.Ndjson, 3);

        Assert.That(rows.Select(r => r.IsValid), Is.EqualTo(new[] { true, false, false, false, true }));
        Assert.That(rows.Where(r => !r.IsValid).Select(r => r.Error!.Row), Is.EqualTo(new[] { 2, 3, 4 }));
        Assert.That(rows.Where(r => !r.IsValid).Select(r => r.Error!.Field), Is.All.Null);
    }

    [Test]
    public async Task A_non_object_element_of_the_array_is_a_row_error_not_a_broken_body()
    {
        var rows = await ReadAsync("[{\"name\":\"a\"}, 7, [1], null, {\"name\":\"e\"}]", BulkFormat.JsonArray, 2);

        Assert.That(rows.Select(r => r.IsValid), Is.EqualTo(new[] { true, false, false, false, true }));
    }

    [TestCase("[{\"name\":\"a\"},\n {\"name\": }]", "line 2")]
    [TestCase("[{\"name\":\"a\"}", "line 1, position 14")]
    [TestCase("{\"name\":\"a\"}", "must be a JSON array")]
    [TestCase("", "empty")]
    [TestCase(" \n ", "empty")]
    [TestCase("[{\"name\":\"a\"}] trailing", "line 1")]
    public async Task A_broken_array_refuses_the_whole_call_naming_where(string body, string where)
    {
        var result = await ReadAllAsync(body, BulkFormat.JsonArray, 4, maxRows: 10);

        Assert.That(result.IsFailure, Is.True);
        Assert.That(result.Error!.Kind, Is.EqualTo(ErrorKind.Validation));
        Assert.That(result.Error.Message, Does.Contain(where));
    }

    [TestCase(BulkFormat.JsonArray)]
    [TestCase(BulkFormat.Ndjson)]
    public async Task More_rows_than_allowed_refuses_the_whole_call_as_too_large(BulkFormat format)
    {
        var rows = Enumerable.Range(1, 11).Select(i => $"{{\"name\":\"n{i}\"}}");
        var body = format == BulkFormat.JsonArray ? "[" + string.Join(",", rows) + "]" : string.Join("\n", rows);

        var result = await ReadAllAsync(body, format, 4096, maxRows: 10);

        Assert.That(result.Error?.Kind, Is.EqualTo(ErrorKind.TooLarge));
    }

    [Test]
    public async Task Exactly_the_allowed_number_of_rows_is_read()
    {
        var body = string.Join("\n", Enumerable.Range(1, 10).Select(i => $"{{\"name\":\"n{i}\"}}"));

        var result = await ReadAllAsync(body, BulkFormat.Ndjson, 4096, maxRows: 10);

        Assert.That(result.Value, Has.Count.EqualTo(10));
    }

    [Test]
    public async Task A_row_larger_than_the_first_buffer_is_read_whole()
    {
        var large = new string('x', 300_000);

        var rows = await ReadAsync($"[{{\"name\":\"{large}\"}},{{\"name\":\"b\"}}]", BulkFormat.JsonArray, 8192);

        Assert.That(rows.Select(r => r.Value!.Name!.Length), Is.EqualTo(new[] { 300_000, 1 }));
    }

    [TestCase("application/json", BulkFormat.JsonArray)]
    [TestCase("application/json; charset=utf-8", BulkFormat.JsonArray)]
    [TestCase("application/x-ndjson", BulkFormat.Ndjson)]
    [TestCase("application/jsonl", BulkFormat.Ndjson)]
    public void Json_and_ndjson_media_types_name_their_framing(string contentType, BulkFormat format) =>
        Assert.That(BulkRequestReader.FormatOf(contentType).Value, Is.EqualTo(format));

    [TestCase("text/csv")]
    [TestCase("application/xml")]
    [TestCase(null)]
    [TestCase("application/json; charset=latin1")]
    public void Other_media_types_and_charsets_are_unsupported(string? contentType) =>
        Assert.That(BulkRequestReader.FormatOf(contentType).Error?.Kind, Is.EqualTo(ErrorKind.UnsupportedMediaType));

    private static async Task<List<BulkRow<Item>>> ReadAsync(string body, BulkFormat format, int chunk)
    {
        var result = await ReadAllAsync(body, format, chunk, BulkReadOptions.DefaultMaxRows);
        Assert.That(result.Error, Is.Null);
        return [.. result.Value];
    }

    private static Task<Result<IReadOnlyList<BulkRow<Item>>>> ReadAllAsync(string body, BulkFormat format, int chunk, int maxRows) =>
        BulkRequestReader.ReadAllAsync<Item>(
            new TrickleStream(Encoding.UTF8.GetBytes(body), chunk),
            format,
            Json,
            new BulkReadOptions { MaxRows = maxRows });

    private sealed record Item(string? Name, int? Size, List<string>? Tags);

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
