using System.Globalization;
using Crm.Modules.Customers.Contracts;

namespace Crm.Modules.Customers.Domain;

/// <summary>Custom attributes between their wire forms (JSON values, CSV cells) and the stored typed form.</summary>
internal static class CustomAttributes
{
    public const int MaxKeys = 100;

    public const int MaxKeyLength = 64;

    public const int MaxTextLength = 1024;

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>
    /// Keys are identifiers (a letter, then letters, digits or <c>_</c>): they become field names in both engines and
    /// in segment rules, where <c>.</c>, <c>$</c> or quotes would break paths.
    /// </summary>
    public static bool IsValidKey(string key) =>
        key.Length is > 0 and <= MaxKeyLength
        && char.IsAsciiLetter(key[0])
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>
    /// A CSV cell or JSON string: an ISO-8601 date is a date; with <paramref name="inferNumbers"/> (CSV, where every cell
    /// is text) numbers and true/false are typed too.
    /// </summary>
    public static CustomAttributeValue FromText(string text, bool inferNumbers)
    {
        var trimmed = text.Trim();
        if (TryDate(trimmed, out var date))
        {
            return CustomAttributeValue.Of(date);
        }

        if (inferNumbers)
        {
            if (decimal.TryParse(trimmed, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return CustomAttributeValue.Of(number);
            }

            if (bool.TryParse(trimmed, out var flag))
            {
                return CustomAttributeValue.Of(flag);
            }
        }

        return CustomAttributeValue.Of(text);
    }

    /// <summary>The value as a client sees it in JSON: string, number, boolean, or an ISO-8601 date string.</summary>
    public static object? ToJsonValue(CustomAttributeValue value) => value.Type switch
    {
        CustomAttributeType.String => value.Text,
        CustomAttributeType.Number => value.Number,
        CustomAttributeType.Boolean => value.Flag,
        CustomAttributeType.Date => value.Date is { } date && date.TimeOfDay == TimeSpan.Zero
            ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : value.Date?.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture),
        _ => null,
    };

    private static bool TryDate(string text, out DateTimeOffset date)
    {
        // Every accepted format starts "yyyy-MM-dd": most values (plans, channels, names) fail this check for free
        // instead of going through the exact parser three times.
        if (text.Length < 10 || !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[3]) || text[4] != '-' || text[7] != '-')
        {
            date = default;
            return false;
        }

        return DateTimeOffset.TryParseExact(
            text,
            DateFormats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out date);
    }
}
