using System.Diagnostics;

namespace Crm.Host.Tests.Protection;

/// <summary>Debian's chromium, headless: loads a page, lets its scripts run, and answers the DOM and the console.</summary>
internal static class HeadlessChromium
{
    private const string Executable = "/usr/bin/chromium";

    public static async Task<(string Dom, IReadOnlyList<string> Console)> LoadAsync(Uri page)
    {
        if (!File.Exists(Executable))
        {
            Assert.Fail("chromium is not installed; install it (apt-get install -y chromium) to run the browser tests. build/test.sh installs it.");
        }

        var profile = Directory.CreateTempSubdirectory("crm-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",

                // Virtual time: the page's scripts run to quiet (or this budget) before the DOM is dumped.
                "--virtual-time-budget=15000", "--dump-dom", page.ToString(),
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var dom = process.StandardOutput.ReadToEndAsync();
            var log = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"chromium did not finish loading {page}");
            }

            var console = (await log).Split('\n').Where(line => line.Contains(":CONSOLE", StringComparison.Ordinal)).ToList();
            return (await dom, console);
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // The browser may still hold a file for a moment; the folder is in temp.
            }
        }
    }
}
