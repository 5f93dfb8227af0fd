using System.Buffers;
using System.Collections;
using System.Text.Json;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Serialization;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// Turns a C# value into the SQL value json_extract yields for it when stored: numbers as numbers (decimal through
/// double, as JSON numbers read back), booleans as 1/0, enums as their names, times as the fixed-width UTC text.
/// </summary>
internal static class SqlValue
{
    public static object? From(object? value, Type? fieldType = null) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? 1L : 0L,
        Enum e => e.ToString(),
        int or long or short or byte or sbyte or ushort or uint when fieldType is { IsEnum: true } => Enum.ToObject(fieldType, value).ToString(),
        int i when fieldType == typeof(char) => ((char)i).ToString(),
        int i => (long)i,
        long l => l,
        short s => (long)s,
        byte b => (long)b,
        sbyte b => (long)b,
        ushort u => (long)u,
        uint u => (long)u,
        ulong u => (double)u,
        decimal d => (double)d,
        double d => d,
        float f => (double)f,
        DateTimeOffset t => CrmJson.FormatUtc(t),
        DateTime t => CrmJson.FormatUtc(t),
        Guid g => g.ToString("D"),
        DateOnly d => d.ToString("yyyy'-'MM'-'dd", System.Globalization.CultureInfo.InvariantCulture),
        char c => c.ToString(),
        _ => throw new UnsupportedQueryException($"A value of type {value.GetType().Name} cannot be compared with a stored field."),
    };

    /// <summary>A JSON array of the converted items, bound as one parameter and read with json_each.</summary>
    public static string ArrayJson(IEnumerable items, Type? fieldType, out bool containsNull)
    {
        containsNull = false;
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in items)
            {
                switch (From(item, fieldType))
                {
                    case null:
                        containsNull = true;
                        break;
                    case string s:
                        writer.WriteStringValue(s);
                        break;
                    case long l:
                        writer.WriteNumberValue(l);
                        break;
                    case double d:
                        writer.WriteNumberValue(d);
                        break;
                }
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
