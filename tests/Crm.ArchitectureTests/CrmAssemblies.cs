using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crm.SharedKernel.Events;

namespace Crm.ArchitectureTests;

/// <summary>
/// The real assemblies the rules run over. Modules are found the way the host gets them: every project named
/// Crm.Modules.* that Crm.Host depends on, read from this test's dependency manifest (the host does not have to
/// call into a module for it to be found, and a new module is picked up without touching the tests).
/// </summary>
internal static partial class CrmAssemblies
{
    private const string HostName = "Crm.Host";

    private static readonly Lazy<IReadOnlyList<string>> ModuleProjectNamesValue = new(ReadModuleProjectNamesReachableFromHost);

    /// <summary>Crm.Modules.X and Crm.Modules.X.Contracts, as the host references them (directly or through a module).</summary>
    public static IReadOnlyList<string> ModuleProjectNames => ModuleProjectNamesValue.Value;

    public static IReadOnlyList<Assembly> Modules { get; } = [.. ModuleProjectNames.Select(n => Assembly.Load(new AssemblyName(n)))];

    public static IReadOnlyList<Assembly> SharedKernel { get; } =
        [typeof(IIntegrationEvent).Assembly, Assembly.Load(new AssemblyName("Crm.SharedKernel.Infrastructure"))];

    public static Assembly Host { get; } = Assembly.Load(new AssemblyName(HostName));

    /// <summary>The module names (X in Crm.Modules.X) of the implementation projects the host references.</summary>
    public static IReadOnlyList<string> ModuleNamesReferencedByHost =>
        [.. ModuleProjectNames.Select(n => ImplementationProjectName().Match(n)).Where(m => m.Success).Select(m => m.Groups["module"].Value)];

    /// <summary>The module names of the implementation projects under src/Modules, whether or not the host references them.</summary>
    public static IReadOnlyList<string> ModuleNamesOnDisk()
    {
        var modulesFolder = Path.Combine(RepositoryRoot(), "src", "Modules");
        return
        [
            .. Directory.EnumerateFiles(modulesFolder, "Crm.Modules.*.csproj", SearchOption.AllDirectories)
                .Select(Path.GetFileNameWithoutExtension)
                .Select(n => ImplementationProjectName().Match(n!))
                .Where(m => m.Success)
                .Select(m => m.Groups["module"].Value)
                .Order(StringComparer.Ordinal),
        ];
    }

    public static string RepositoryRoot() =>
        typeof(CrmAssemblies).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RepositoryRoot").Value
        ?? throw new InvalidOperationException("The test assembly was built without its RepositoryRoot metadata.");

    [GeneratedRegex(@"^Crm\.Modules\.(?<module>[A-Za-z0-9_]+)$")]
    public static partial Regex ImplementationProjectName();

    private static List<string> ReadModuleProjectNamesReachableFromHost()
    {
        var depsFile = Path.ChangeExtension(typeof(CrmAssemblies).Assembly.Location, ".deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(depsFile));
        var target = deps.RootElement.GetProperty("targets").EnumerateObject().First().Value;
        var libraries = deps.RootElement.GetProperty("libraries");

        var hostKey = target.EnumerateObject().Select(p => p.Name).Single(k => k.StartsWith(HostName + "/", StringComparison.Ordinal));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([hostKey]);
        while (pending.TryPop(out var key))
        {
            if (!seen.Add(key) || !target.TryGetProperty(key, out var entry) || !entry.TryGetProperty("dependencies", out var dependencies))
            {
                continue;
            }

            foreach (var dependency in dependencies.EnumerateObject())
            {
                pending.Push($"{dependency.Name}/{dependency.Value.GetString()}");
            }
        }

        return
        [
            .. seen
                .Where(key => libraries.TryGetProperty(key, out var library) && library.GetProperty("type").GetString() == "project")
                .Select(key => key[..key.IndexOf('/', StringComparison.Ordinal)])
                .Where(name => name.StartsWith("Crm.Modules.", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal),
        ];
    }
}
