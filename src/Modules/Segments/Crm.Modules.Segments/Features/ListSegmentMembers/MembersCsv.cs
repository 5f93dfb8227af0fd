using System.Globalization;
using System.Text;

namespace Crm.Modules.Segments.Features.ListSegmentMembers;

/// <summary>
/// Members as CSV (RFC 4180). A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed
/// with a quote mark, so an export opened in Excel cannot execute what a customer typed into their name.
/// </summary>
internal static class MembersCsv
{
    public const string Header = "id,email,name,phone,city,country,total_spent,order_count,visit_count,last_order_at,engagement_score";

    public static string Line(AudienceMember m)
    {
        var line = new StringBuilder(160);
        Cell(line, m.Id).Append(',');
        Cell(line, m.Email).Append(',');
        Cell(line, m.Name).Append(',');
        Cell(line, m.Phone).Append(',');
        Cell(line, m.City).Append(',');
        Cell(line, m.Country).Append(',');
        line.Append(m.TotalSpent.ToString(CultureInfo.InvariantCulture)).Append(',');
        line.Append(m.OrderCount.ToString(CultureInfo.InvariantCulture)).Append(',');
        line.Append(m.VisitCount.ToString(CultureInfo.InvariantCulture)).Append(',');
        line.Append(m.LastOrderAt?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)).Append(',');
        line.Append(m.EngagementScore?.ToString(CultureInfo.InvariantCulture));
        return line.ToString();
    }

    private static StringBuilder Cell(StringBuilder line, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return line;
        }

        var guarded = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
        return guarded.AsSpan().IndexOfAny("\",\r\n") >= 0
            ? line.Append('"').Append(guarded.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"')
            : line.Append(guarded);
    }
}
