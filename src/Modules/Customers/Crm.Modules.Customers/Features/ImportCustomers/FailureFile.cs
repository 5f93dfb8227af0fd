using System.Text;
using Crm.SharedKernel.Web.Bulk;

namespace Crm.Modules.Customers.Features.ImportCustomers;

/// <summary>
/// The failed rows of an import as CSV: the file's own columns with the row's original cells, then <c>row</c>,
/// <c>field</c> and <c>reason</c>. One line per failed row (several faults are joined with "; "), so the file can be
/// fixed and uploaded again once those three columns are removed. Bounded: after <c>maxRows</c> rows only counts grow.
/// </summary>
internal sealed class FailureFile : IAsyncDisposable
{
    private readonly StreamWriter _writer;
    private readonly int _width;
    private readonly int _maxRows;

    public FailureFile(string path, IReadOnlyList<string> headers, int maxRows)
    {
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        _width = headers.Count;
        _maxRows = maxRows;
        WriteLine([.. headers, "row", "field", "reason"]);
    }

    public int Written { get; private set; }

    public const string MediaType = "text/csv";

    public void Write(int row, IReadOnlyList<string> cells, IReadOnlyList<BulkRowError> errors)
    {
        if (Written >= _maxRows)
        {
            return;
        }

        var line = new string[_width + 3];
        for (var i = 0; i < _width; i++)
        {
            line[i] = i < cells.Count ? cells[i] : "";
        }

        line[_width] = row.ToString(System.Globalization.CultureInfo.InvariantCulture);
        line[_width + 1] = string.Join("; ", errors.Select(e => e.Field ?? ""));
        line[_width + 2] = string.Join("; ", errors.Select(e => e.Reason));
        WriteLine(line);
        Written++;
    }

    public Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    private void WriteLine(IReadOnlyList<string> cells)
    {
        for (var i = 0; i < cells.Count; i++)
        {
            if (i > 0)
            {
                _writer.Write(',');
            }

            _writer.Write(Quote(cells[i]));
        }

        _writer.Write("\r\n");
    }

    /// <summary>RFC 4180: a cell holding a comma, quote or line break is quoted, its quotes doubled.</summary>
    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
