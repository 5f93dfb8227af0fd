using System.Buffers.Text;
using System.Text;

namespace Crm.Modules.Segments.Features;

/// <summary>The opaque <c>next</c> token of segment and member lists: the last id of the page (lists are in id order).</summary>
internal static class SegmentCursor
{
    public static string Encode(string lastId) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("id:" + lastId));

    /// <summary>The id a cursor carries; null when the text is not a cursor this API made.</summary>
    public static string? Decode(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith("id:", StringComparison.Ordinal) && text.Length > 3 ? text[3..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
