using System.Globalization;
using Crm.Benchmarks;

// build/bench.sh runs this in Release. Figures are printed beside plain SQLite's, measured in the same run.
var documents = 200_000;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--documents" && i + 1 < args.Length)
    {
        documents = int.Parse(args[++i], CultureInfo.InvariantCulture);
    }
}

var workDirectory = Path.Combine(Path.GetTempPath(), "crm-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(workDirectory);
try
{
    Console.WriteLine($"Crm benchmarks — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    var port = await new DocumentPortBenchmark(documents, workDirectory).RunAsync();
    Report.Print($"Document port on SQLite ({documents:N0} customer documents, WAL)", port);
    Console.WriteLine();
    Console.WriteLine($"peak working set of the run: {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024):N0} MiB");
}
finally
{
    Directory.Delete(workDirectory, recursive: true);
}
