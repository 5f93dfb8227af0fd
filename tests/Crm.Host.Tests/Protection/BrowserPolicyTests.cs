namespace Crm.Host.Tests.Protection;

/// <summary>The Content-Security-Policy as a real browser enforces it, over a real socket.</summary>
public sealed class BrowserPolicyTests
{
    [Test]
    public async Task The_docs_page_renders_the_api_in_chromium_without_breaking_its_policy()
    {
        await using var factory = new CrmHostFactory();
        var address = factory.ServeOnLoopback();

        var (dom, console) = await HeadlessChromium.LoadAsync(new Uri(address, "/docs/"));

        Assert.That(console, Has.None.Contains("Content Security Policy"), string.Join(Environment.NewLine, console));
        Assert.That(dom, Does.Contain("Customers"), "Scalar read the OpenAPI document and rendered its operations");
    }

    [Test]
    public async Task In_chromium_the_web_app_runs_its_own_script_and_an_injected_inline_one_is_blocked()
    {
        await using var factory = new CrmHostFactory();
        var webRoot = Directory.CreateDirectory(Path.Combine(factory.Folder, "wwwroot")).FullName;
        await File.WriteAllTextAsync(
            Path.Combine(webRoot, "index.html"),
            "<!doctype html><title>Crm</title><div id=root></div><script src=\"/app.js\"></script><script>document.title = 'injected';</script>");
        await File.WriteAllTextAsync(Path.Combine(webRoot, "app.js"), "document.getElementById('root').setAttribute('data-app', 'ran');");
        factory.WithSetting("webroot", webRoot);
        var address = factory.ServeOnLoopback();

        var (dom, console) = await HeadlessChromium.LoadAsync(new Uri(address, "/customers"));

        Assert.That(dom, Does.Contain("data-app=\"ran\""), "the app's own script ran");
        Assert.That(dom, Does.Contain("<title>Crm</title>"), "the inline script did not");
        Assert.That(console, Has.Some.Contains("Content Security Policy"), string.Join(Environment.NewLine, console));
    }
}
