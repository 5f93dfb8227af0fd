using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Crm.Host.Tests;

/// <summary>The host as it is deployed: its own process, configured by the environment alone.</summary>
public sealed class HostProcessTests
{
    private const string Password = "process-admin-password-1";

    [Test]
    public async Task The_host_process_listens_where_ASPNETCORE_URLS_says_outside_development_and_serves_the_API_to_its_signed_in_admin()
    {
        var folder = Directory.CreateTempSubdirectory("crm-host-process-").FullName;
        var port = LoopbackPort.Free();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            // The host's build output (with its appsettings.json) is copied beside the tests.
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Crm.Host.dll"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        start.Environment["Storage__Path"] = Path.Combine(folder, "crm.db");

        // Outside Development the signing key must be configured; the first admin comes from the environment too.
        start.Environment["Auth__Jwt__SigningKey"] = TestSigningKey.NewPem();
        start.Environment["Auth__BootstrapAdmin__Email"] = "admin@crm.test";
        start.Environment["Auth__BootstrapAdmin__Password"] = Password;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}") };
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            HttpStatusCode? status = null;
            while (status is null && !process.HasExited && !deadline.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative), deadline.Token);
                    status = response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100, CancellationToken.None);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    // Out of time mid-request: the assertion below reports it with the host's output.
                }
            }

            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), () => string.Join(Environment.NewLine, output));

            using var anonymous = await client.GetAsync(new Uri("/api/v1/customers", UriKind.Relative));
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

            using var signIn = await client.PostAsJsonAsync(new Uri("/api/v1/auth/login", UriKind.Relative), new { email = "admin@crm.test", password = Password });
            Assert.That(signIn.StatusCode, Is.EqualTo(HttpStatusCode.OK), () => string.Join(Environment.NewLine, output));
            var token = (await signIn.ReadJsonAsync()).GetProperty("accessToken").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var customers = await client.GetAsync(new Uri("/api/v1/customers", UriKind.Relative));
            Assert.That(customers.StatusCode, Is.EqualTo(HttpStatusCode.OK), await customers.Content.ReadAsStringAsync());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            Directory.Delete(folder, recursive: true);
        }
    }
}
