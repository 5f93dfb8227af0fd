using System.Globalization;
using Crm.Benchmarks;

// build/bench.sh runs this in Release. The port's figures are printed beside plain SQLite's, the HTTP figures beside
// the port's, each measured in the same run.
//   --only port,customers,orders,latency,segments   groups to run (ingestion = customers,orders,latency); all by default
//   --documents N   documents for the port group (200,000)
//   --customers N --orders N   rows for the HTTP groups (200,000 each)
//   --calls-in-flight N --rows-per-call N   how the bulk calls are sent (2, 100,000)
//   --rate N --seconds N   the single POST load (500/s for 10 s)
//   --audience N   customers in the segments group's audience index (1,000,000)
var documents = 200_000;
var audience = 1_000_000;
var ingestion = new IngestionSettings();
var groups = new HashSet<string>(["port", "customers", "orders", "latency", "segments"], StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : "";
    switch (args[i])
    {
        case "--documents": documents = Number(value); i++; break;
        case "--audience": audience = Number(value); i++; break;
        case "--customers": ingestion = ingestion with { Customers = Number(value) }; i++; break;
        case "--orders": ingestion = ingestion with { Orders = Number(value) }; i++; break;
        case "--calls-in-flight": ingestion = ingestion with { CallsInFlight = Number(value) }; i++; break;
        case "--rows-per-call": ingestion = ingestion with { RowsPerCall = Number(value) }; i++; break;
        case "--rate": ingestion = ingestion with { Rate = Number(value) }; i++; break;
        case "--seconds": ingestion = ingestion with { LatencySeconds = Number(value) }; i++; break;
        case "--only":
            groups = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .SelectMany(g => g == "ingestion" ? ["customers", "orders", "latency"] : new[] { g })];
            i++;
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}; see the top of tests/Crm.Benchmarks/Program.cs");
            return 2;
    }
}

var workDirectory = Path.Combine(Path.GetTempPath(), "crm-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(workDirectory);
try
{
    Console.WriteLine($"Crm benchmarks — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
    DocumentPortBenchmark? port = null;
    if (groups.Contains("port"))
    {
        port = new DocumentPortBenchmark(documents, workDirectory);
        Report.Print($"Document port on SQLite ({documents:N0} customer documents, WAL)", await port.RunAsync());
    }

    if (groups.Overlaps(["customers", "orders", "latency"]))
    {
        var settings = ingestion with
        {
            RunCustomers = groups.Contains("customers"),
            RunOrders = groups.Contains("orders"),
            RunLatency = groups.Contains("latency"),
        };

        // The HTTP rate beside the port's: the port group's median when it ran on as many documents, else one insert now.
        Func<Task<double>> portRate = port?.BulkInsertRate is { } rate && documents == settings.Customers
            ? () => Task.FromResult(rate)
            : () => new DocumentPortBenchmark(settings.Customers, workDirectory).BulkInsertRateOnceAsync();
        Console.WriteLine();
        Console.WriteLine("Ingestion over HTTP (the Release host in its own process, SQLite file, loopback):");
        var rows = await new IngestionBenchmark(settings, workDirectory).RunAsync(portRate, CancellationToken.None);
        Report.Print("Ingestion", rows, ["work", "Crm over HTTP", "document port", "HTTP/port", "target", "met"]);
        if (settings.RunCustomers)
        {
            // The host has stopped: its file holds exactly what the customer calls wrote.
            Console.WriteLine();
            var floor = WriterFloor.Replay(Path.Combine(workDirectory, "host.db"), settings.Customers, workDirectory);
            Report.Print("Storage floor of the customer calls", floor, ["work", "rate", "writer CPU per customer", "checkpoint CPU per customer", "of 40 µs (50,000/s on 2 cores)", ""]);
        }
    }

    if (groups.Contains("segments"))
    {
        Console.WriteLine();
        var segments = await new SegmentsBenchmark(audience, workDirectory).RunAsync(path => HostProcess.StartAsync(path, CancellationToken.None));
        Report.Print($"Segments (audience index in this process; freshness over HTTP on the Release host)", segments, ["work", "Crm", "baseline", "ratio", "target", "met"]);
    }

    Console.WriteLine();
    Console.WriteLine($"peak working set of the harness: {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024):N0} MiB");
    return 0;
}
finally
{
    Directory.Delete(workDirectory, recursive: true);
}

static int Number(string text) => int.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
