using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace Crm.Modules.Identity.Administration;

/// <summary>
/// The opaque <c>next</c> token of the admin lists: the last row's sort key and id (keyset paging, so pages neither
/// repeat nor skip rows while rows are added). Base64url JSON; clients must not build it.
/// </summary>
internal sealed record PageCursor(string Key, string Id)
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 200;

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Wire(Key, Id)));

    public static PageCursor? Decode(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(Base64Url.DecodeFromChars(token));
            return wire is { K: { } key, I: { Length: > 0 } id } ? new PageCursor(key, id) : null;
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The page size asked for, the default when absent, null when it is not a number in range.</summary>
    public static int? ParseLimit(string? value) =>
        string.IsNullOrWhiteSpace(value) ? DefaultLimit
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit ? limit
        : null;

    public static string LimitMessage => $"must be a whole number from 1 to {MaxLimit}";

    private sealed record Wire(string? K, string? I);
}
