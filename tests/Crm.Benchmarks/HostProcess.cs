using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Crm.Testing;

namespace Crm.Benchmarks;

/// <summary>
/// The host as it is deployed: its own process (the Release build copied beside the harness), Production settings,
/// a free loopback port and a SQLite file of its own, so the figures are the deployed host's and the harness's
/// work does not share its process.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private const string AdminEmail = "bench-admin@crm.test";
    private static readonly string AdminPassword = "bench-" + Guid.NewGuid().ToString("N");
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<HostProcess> StartAsync(string databasePath, CancellationToken cancellationToken)
    {
        var port = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture);
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Crm.Host.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString().TrimEnd('/'));
        start.ArgumentList.Add($"--Storage:Path={databasePath}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        // Production needs its signing key configured; the harness signs in as the bootstrap admin. The token outlives
        // the longest run, so that no phase stops to refresh it.
        start.Environment["Auth__Jwt__SigningKey"] = TestSigningKey.NewPem();
        start.Environment["Auth__Jwt__AccessTokenMinutes"] = "1440";
        // The figures are the host's, not the per-caller limit's: the latency load alone sends 500 calls a second.
        start.Environment["RateLimiting__Global__PermitLimit"] = "1000000";
        start.Environment["Auth__BootstrapAdmin__Email"] = AdminEmail;
        start.Environment["Auth__BootstrapAdmin__Password"] = AdminPassword;

        var host = new HostProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), address);
        host._process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        try
        {
            await host.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>Signs in as the host's bootstrap admin and makes <paramref name="client"/> send the access token.</summary>
    public async Task SignInAsync(HttpClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsJsonAsync(
            new Uri(Address, "/api/v1/auth/login"), new { email = AdminEmail, password = AdminPassword }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"Signing in to the host failed with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("accessToken").GetString());
    }

    /// <summary>The host's last lines of output, for a failure message.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>The host's peak working set so far (Linux reads it from /proc).</summary>
    public long PeakWorkingSetBytes
    {
        get
        {
            _process.Refresh();
            return _process.PeakWorkingSet64;
        }
    }

    /// <summary>CPU time the host has used so far, all threads.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        _output.Enqueue(line ?? string.Empty);
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = Address };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The host was not ready within 60 s:{Environment.NewLine}{Output}");
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {_process.ExitCode}:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), deadline.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // Out of time mid-request: the check above reports it with the host's output.
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
