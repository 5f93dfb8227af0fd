using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.Testing;

/// <summary>
/// Debian's chromium, headless. <see cref="LoadAsync"/> loads a page, lets its scripts run, and answers the DOM and
/// the console; <see cref="OpenAsync"/> keeps the page open and drives it over the DevTools protocol, as a person
/// typing and clicking would.
/// </summary>
public static class HeadlessChromium
{
    private const string Executable = "/usr/bin/chromium";

    private static readonly string[] CommonArguments =
        ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--enable-logging=stderr", "--v=0"];

    public static async Task<(string Dom, IReadOnlyList<string> Console)> LoadAsync(Uri page)
    {
        RequireChromium();
        var profile = Directory.CreateTempSubdirectory("crm-chromium-").FullName;
        try
        {
            // Virtual time: the page's scripts run to quiet (or this budget) before the DOM is dumped.
            using var process = Start(profile, "--virtual-time-budget=15000", "--dump-dom", page.ToString());
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
            DeleteProfile(profile);
        }
    }

    /// <summary>Opens the page in a browser that stays running until the answer is disposed.</summary>
    public static async Task<BrowserPage> OpenAsync(Uri page)
    {
        RequireChromium();
        var profile = Directory.CreateTempSubdirectory("crm-chromium-").FullName;
        var process = Start(profile, "--remote-debugging-port=0", page.ToString());
        try
        {
            // Nothing reads the browser's own log here; drained so that it can never block on a full pipe.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var port = await DevToolsPortAsync(profile, process, deadline.Token);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/") };
            string? target = null;
            while (target is null)
            {
                var targets = await http.GetFromJsonAsync<JsonArray>(new Uri("json/list", UriKind.Relative), deadline.Token);
                target = targets?.FirstOrDefault(t => (string?)t?["type"] == "page")?["webSocketDebuggerUrl"]?.GetValue<string>();
                if (target is null)
                {
                    await Task.Delay(100, deadline.Token);
                }
            }

            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(target), deadline.Token);
            var opened = new BrowserPage(process, socket, profile);
            await opened.SendAsync("Log.enable", null, deadline.Token);
            await opened.SendAsync("Runtime.enable", null, deadline.Token);
            // The target may still show about:blank before the navigation commits.
            var address = JsonSerializer.Serialize(page.GetLeftPart(UriPartial.Path));
            await opened.WaitForAsync($"location.origin + location.pathname === {address} && document.readyState === 'complete'");
            return opened;
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            DeleteProfile(profile);
            throw;
        }
    }

    private static void RequireChromium()
    {
        if (!File.Exists(Executable))
        {
            Assert.Fail("chromium is not installed; install it (apt-get install -y chromium) to run the browser tests. build/test.sh installs it.");
        }
    }

    private static Process Start(string profile, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in CommonArguments.Append($"--user-data-dir={profile}").Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    /// <summary>Chromium writes the port it took to this file in its profile once it listens.</summary>
    private static async Task<int> DevToolsPortAsync(string profile, Process process, CancellationToken cancellationToken)
    {
        var file = Path.Combine(profile, "DevToolsActivePort");
        while (true)
        {
            if (process.HasExited)
            {
                Assert.Fail($"chromium exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)} before it listened for DevTools");
            }

            if (File.Exists(file)
                && (await File.ReadAllLinesAsync(file, cancellationToken)).FirstOrDefault() is { } line
                && int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                return port;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    internal static void DeleteProfile(string profile)
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

/// <summary>A page open in headless chromium, driven over the DevTools protocol.</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly ClientWebSocket _socket;
    private readonly string _profile;
    private readonly List<string> _console = [];
    private int _nextId;

    internal BrowserPage(Process process, ClientWebSocket socket, string profile)
    {
        _process = process;
        _socket = socket;
        _profile = profile;
    }

    /// <summary>What the page logged: console calls and the browser's own messages (a blocked script, a failed request).</summary>
    public IReadOnlyList<string> Console => _console;

    /// <summary>Focuses the element and types the text into it, firing the input events a person's typing fires.</summary>
    public async Task TypeAsync(string selector, string text)
    {
        var found = await EvaluateAsync($"(() => {{ const e = document.querySelector({Json(selector)}); if (!e) return false; e.focus(); return true; }})()");
        Assert.That(found.GetValue<bool>(), Is.True, $"the page has {selector}");
        using var typing = new CancellationTokenSource(Patience);
        await SendAsync("Input.insertText", new JsonObject { ["text"] = text }, typing.Token);
    }

    public async Task ClickAsync(string selector)
    {
        var found = await EvaluateAsync($"(() => {{ const e = document.querySelector({Json(selector)}); if (!e) return false; e.click(); return true; }})()");
        Assert.That(found.GetValue<bool>(), Is.True, $"the page has {selector}");
    }

    /// <summary>Runs the expression in the page and answers its value (promises awaited).</summary>
    public async Task<JsonNode> EvaluateAsync(string expression) =>
        await TryEvaluateAsync(expression) ?? throw new AssertionException($"the page had no JavaScript context to evaluate {expression}");

    /// <summary>Waits until the expression is true in the page; fails naming it when it never becomes so.</summary>
    public async Task WaitForAsync(string expression)
    {
        var waited = Stopwatch.StartNew();

        // No context yet (a navigation is committing) counts as "not yet", like false.
        while ((await TryEvaluateAsync($"Boolean({expression})"))?.GetValue<bool>() is not true)
        {
            if (waited.Elapsed > Patience)
            {
                Assert.Fail($"the page never got to {expression}; its console:\n{string.Join('\n', _console)}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<string> TextAsync(string selector) =>
        (await EvaluateAsync($"document.querySelector({Json(selector)})?.textContent ?? ''")).GetValue<string>();

    internal async Task<JsonNode> SendAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        var (result, error) = await ExchangeAsync(method, parameters, cancellationToken);
        if (error is not null)
        {
            Assert.Fail($"chromium refused {method}: {error.ToJsonString()}");
        }

        return result;
    }

    /// <summary>
    /// The expression's value, or null when the page has no JavaScript context yet: right after a navigation starts,
    /// Chromium refuses evaluations until the new document's context exists.
    /// </summary>
    private async Task<JsonNode?> TryEvaluateAsync(string expression)
    {
        using var deadline = new CancellationTokenSource(Patience);
        var (answer, error) = await ExchangeAsync(
            "Runtime.evaluate",
            new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true },
            deadline.Token);
        if (error is not null)
        {
            if (((string?)error["message"])?.Contains("execution context", StringComparison.OrdinalIgnoreCase) == true)
            {
                return null;
            }

            Assert.Fail($"chromium refused Runtime.evaluate: {error.ToJsonString()}");
        }

        if (answer["exceptionDetails"] is { } exception)
        {
            Assert.Fail($"the page threw evaluating {expression}: {exception.ToJsonString()}");
        }

        return answer["result"]?["value"] ?? JsonValue.Create(false);
    }

    /// <summary>Sends one DevTools command and answers its result or its error, recording events that arrive meanwhile.</summary>
    private async Task<(JsonNode Result, JsonNode? Error)> ExchangeAsync(string method, JsonObject? parameters, CancellationToken cancellationToken)
    {
        var id = ++_nextId;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        while (true)
        {
            var received = await ReceiveAsync(cancellationToken);
            if ((int?)received["id"] == id)
            {
                return (received["result"] ?? new JsonObject(), received["error"]);
            }

            Record(received);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, closing.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The browser is killed next either way.
        }
        finally
        {
            _socket.Dispose();
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
            HeadlessChromium.DeleteProfile(_profile);
        }
    }

    private async Task<JsonNode> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var result = await _socket.ReceiveAsync(chunk, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                Assert.Fail("chromium closed the DevTools connection");
            }

            buffer.Write(chunk, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonNode.Parse(buffer.ToArray()) ?? new JsonObject();
            }
        }
    }

    private void Record(JsonNode notice)
    {
        switch ((string?)notice["method"])
        {
            case "Log.entryAdded":
                _console.Add($"{notice["params"]?["entry"]?["level"]}: {notice["params"]?["entry"]?["text"]}");
                break;
            case "Runtime.consoleAPICalled":
                var values = notice["params"]?["args"]?.AsArray().Select(a => a?["value"]?.ToString() ?? a?["description"]?.ToString());
                _console.Add($"console.{notice["params"]?["type"]}: {string.Join(' ', values ?? [])}");
                break;
            case "Runtime.exceptionThrown":
                _console.Add($"exception: {notice["params"]?["exceptionDetails"]?.ToJsonString()}");
                break;
        }
    }

    private static string Json(string value) => JsonSerializer.Serialize(value);
}
