using System.Diagnostics;
using System.Globalization;

namespace Crm.Benchmarks;

/// <summary>One line of the printed table: the port's figure beside plain SQLite's, measured in the same run.</summary>
internal sealed record Row(string Work, string Port, string Raw, string Ratio, string Target, bool? Met);

internal static class Report
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Rate(double perSecond, string unit) => perSecond.ToString("N0", Culture) + " " + unit;

    public static string Millis(double ms) => ms < 10 ? ms.ToString("0.00", Culture) + " ms" : ms.ToString("N0", Culture) + " ms";

    /// <summary>How many times longer the port takes than plain SQLite for the same work (below 1: the port is faster).</summary>
    public static string Overhead(double portSeconds, double rawSeconds) => (portSeconds / rawSeconds).ToString("0.00", Culture) + "x";

    public static async Task<double> TimeAsync(Func<Task> work)
    {
        var stopwatch = Stopwatch.StartNew();
        await work();
        return stopwatch.Elapsed.TotalSeconds;
    }

    public static double Time(Action work)
    {
        var stopwatch = Stopwatch.StartNew();
        work();
        return stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>The median of <paramref name="runs"/> timings; the first run warms caches and JIT and is not counted.</summary>
    public static async Task<double> MedianAsync(int runs, Func<Task> work)
    {
        await work();
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            times[i] = await TimeAsync(work);
        }

        return Median(times);
    }

    public static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static readonly string[] PortHeaders = ["work", "Crm port", "plain SQLite", "port/plain", "target", "met"];

    public static void Print(string title, IReadOnlyList<Row> rows, string[]? headers = null)
    {
        headers ??= PortHeaders;
        var cells = rows.Select(r => new[] { r.Work, r.Port, r.Raw, r.Ratio, r.Target, r.Met switch { true => "yes", false => "NO", null => "" } }).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine(Line(headers, widths));
        Console.WriteLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in cells)
        {
            Console.WriteLine(Line(row, widths));
        }
    }

    private static string Line(string[] values, int[] widths) =>
        string.Join(" | ", values.Select((v, i) => v.PadRight(widths[i])));
}
