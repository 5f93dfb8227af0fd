using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Crm.SharedKernel.Infrastructure.Serialization;

/// <summary>
/// The JSON conventions every engine and the outbox share: camelCase names, enums as strings, UTC times as
/// fixed-width ISO-8601 text (so text order is time order), decimals as their exact number text.
/// </summary>
public static class CrmJson
{
    /// <summary>Fixed width (28 characters): seven fractional digits and a literal Z, whatever the value.</summary>
    public const string UtcFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The text a UTC time is stored as; also used for SQL parameters so comparisons agree with stored values.</summary>
    public static string FormatUtc(DateTimeOffset value) =>
        value.UtcDateTime.ToString(UtcFormat, CultureInfo.InvariantCulture);

    public static string FormatUtc(DateTime value) =>
        AsUtc(value).ToString(UtcFormat, CultureInfo.InvariantCulture);

    /// <summary>An unspecified kind is taken as UTC already: the house stores and passes UTC only.</summary>
    internal static DateTime AsUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => value.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        _ => value,
    };

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            NumberHandling = JsonNumberHandling.Strict,
            WriteIndented = false,
            // Stored and internal text, never embedded in HTML: keep non-ASCII as it is (smaller, faster).
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new UtcDateTimeOffsetConverter());
        options.Converters.Add(new UtcDateTimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        {
            Span<char> buffer = stackalloc char[28];
            value.UtcDateTime.TryFormat(buffer, out var written, UtcFormat, CultureInfo.InvariantCulture);
            writer.WriteStringValue(buffer[..written]);
        }
    }

    private sealed class UtcDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            AsUtc(reader.GetDateTime());

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
        {
            Span<char> buffer = stackalloc char[28];
            AsUtc(value).TryFormat(buffer, out var written, UtcFormat, CultureInfo.InvariantCulture);
            writer.WriteStringValue(buffer[..written]);
        }
    }
}
