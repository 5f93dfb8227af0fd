using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Testing;

/// <summary>
/// The real host over a real SQLite file in its own temp folder. Settings go in through UseSetting so that the
/// composition code, which reads configuration while registering services, sees them.
/// </summary>
public sealed class CrmHostFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new(StringComparer.Ordinal);
    private readonly List<Action<IServiceCollection>> _testServices = [];

    public CrmHostFactory()
    {
        Folder = Directory.CreateTempSubdirectory("crm-host-tests-").FullName;
        _settings["Storage:Path"] = Path.Combine(Folder, "crm.db");
    }

    public string Folder { get; }

    public CrmHostFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public CrmHostFactory WithTestServices(Action<IServiceCollection> configure)
    {
        _testServices.Add(configure);
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            foreach (var configure in _testServices)
            {
                configure(services);
            }
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file the engine still closes is left for the OS to clean; the folder is in temp.
        }
    }
}
