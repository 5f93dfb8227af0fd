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
    public static string FormatUtc(DateTimeOffset value) => FormatUtcText(value.UtcDateTime);

    public static string FormatUtc(DateTime value) => FormatUtcText(AsUtc(value));

    /// <summary>Length of <see cref="UtcFormat"/>'s text.</summary>
    internal const int UtcLength = 28;

    /// <summary>
    /// Writes <paramref name="utc"/> as <see cref="UtcFormat"/> does, digit by digit: the general date formatter with a
    /// custom pattern was a measurable share of serialising a document on the bulk path.
    /// </summary>
    internal static void WriteUtc(DateTime utc, Span<byte> destination)
    {
        Digits(destination[..4], utc.Year);
        destination[4] = (byte)'-';
        Digits(destination.Slice(5, 2), utc.Month);
        destination[7] = (byte)'-';
        Digits(destination.Slice(8, 2), utc.Day);
        destination[10] = (byte)'T';
        Digits(destination.Slice(11, 2), utc.Hour);
        destination[13] = (byte)':';
        Digits(destination.Slice(14, 2), utc.Minute);
        destination[16] = (byte)':';
        Digits(destination.Slice(17, 2), utc.Second);
        destination[19] = (byte)'.';
        Digits(destination.Slice(20, 7), (int)(utc.Ticks % TimeSpan.TicksPerSecond));
        destination[27] = (byte)'Z';

        static void Digits(Span<byte> into, int value)
        {
            for (var i = into.Length - 1; i >= 0; i--)
            {
                into[i] = (byte)('0' + (value % 10));
                value /= 10;
            }
        }
    }

    private static string FormatUtcText(DateTime utc)
    {
        Span<byte> text = stackalloc byte[UtcLength];
        WriteUtc(utc, text);
        return System.Text.Encoding.ASCII.GetString(text);
    }

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
            Span<byte> buffer = stackalloc byte[UtcLength];
            WriteUtc(value.UtcDateTime, buffer);
            writer.WriteStringValue(buffer);
        }
    }

    private sealed class UtcDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            AsUtc(reader.GetDateTime());

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
        {
            Span<byte> buffer = stackalloc byte[UtcLength];
            WriteUtc(AsUtc(value), buffer);
            writer.WriteStringValue(buffer);
        }
    }
}
