using System.CodeDom.Compiler;
using System.Reflection;
using System.Runtime.CompilerServices;
using Crm.SharedKernel.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mono.Cecil;
using NetArchTest.Rules;

namespace Crm.ArchitectureTests;

/// <summary>A type (or assembly) that breaks a rule, and why.</summary>
internal sealed record Violation(string Offender, string Reason)
{
    public override string ToString() => $"{Offender}: {Reason}";
}

/// <summary>
/// The house rules, each written once as a function over a set of assemblies so that the same code runs over the
/// real modules and over the broken fixture. A module is recognised by namespace (Crm.Modules.X is the module,
/// Crm.Modules.X.Contracts its contracts); <see cref="CheckTypesLiveInTheAssemblyTheirNamespaceNames"/> keeps the
/// namespaces honest, so the other rules can rely on them.
/// </summary>
internal static class ModuleRules
{
    private const string ModulesRoot = "Crm.Modules";
    private const string KernelRoot = "Crm.SharedKernel";
    private const string HandlerSuffix = "IntegrationEventHandler";

    /// <summary>What a module may not touch: the engines belong to the kernel's infrastructure, behind the document port.</summary>
    private static readonly (string Dependency, string What)[] InfrastructureAdapters =
    [
        ("Crm.SharedKernel.Infrastructure", "the kernel's infrastructure adapters"),
        ("Microsoft.Data.Sqlite", "SQLite"),
        ("SQLitePCL", "SQLite"),
        ("MongoDB", "MongoDB"),
    ];

    private static readonly (string Dependency, string What)[] ForbiddenInContracts =
    [
        .. InfrastructureAdapters,
        ("Carter", "Carter (endpoints stay in the module)"),
        ("Microsoft.AspNetCore", "ASP.NET Core"),
        ("Mediator", "Mediator (requests and handlers stay in the module)"),
    ];

    /// <summary>Crm.Modules.X may use Crm.Modules.Y.Contracts, never a type of Crm.Modules.Y itself.</summary>
    public static IReadOnlyList<Violation> CheckModulesReachOtherModulesOnlyThroughContracts(IEnumerable<Assembly> assemblies)
    {
        var set = ModuleTypeSet.Of(assemblies);
        var violations = new List<Violation>();
        foreach (var module in set.ModuleNames)
        {
            foreach (var other in set.ModuleNames.Where(m => m != module))
            {
                var offenders = set.TypesDependingOnAny(
                    t => ModulePart.Of(t) is { IsContracts: false } part && part.Module == module,
                    set.ImplementationTypeNames(other));
                violations.AddRange(offenders.Select(o => new Violation(
                    o, $"uses the internals of module {other}; reach it only through {ModulesRoot}.{other}.Contracts")));
            }
        }

        foreach (var assembly in set.Assemblies)
        {
            if (ModulePart.OfAssembly(assembly) is not { } part)
            {
                continue;
            }

            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (ModulePart.OfAssemblyName(reference.Name) is { IsContracts: false } referenced && referenced.Module != part.Module)
                {
                    violations.Add(new Violation(assembly.GetName().Name!, $"references the assembly {reference.Name}"));
                }
            }
        }

        return Sorted(violations);
    }

    /// <summary>
    /// Contracts depend on System, the shared kernel's abstractions and other contracts: never on an engine, a web
    /// framework, Mediator or a module's implementation.
    /// </summary>
    public static IReadOnlyList<Violation> CheckContractsDependOnlyOnSharedKernelAbstractions(IEnumerable<Assembly> assemblies)
    {
        var set = ModuleTypeSet.Of(assemblies);
        static bool InContracts(TypeDefinition t) => ModulePart.Of(t) is { IsContracts: true };

        var violations = new List<Violation>();
        foreach (var (dependency, what) in ForbiddenInContracts)
        {
            violations.AddRange(set.TypesDependingOnAny(InContracts, [dependency]).Select(o => new Violation(o, $"depends on {what}")));
        }

        foreach (var module in set.ModuleNames)
        {
            violations.AddRange(set.TypesDependingOnAny(InContracts, set.ImplementationTypeNames(module))
                .Select(o => new Violation(o, $"depends on the implementation of module {module}")));
        }

        // The global namespace ("") holds the compiler's <PrivateImplementationDetails> (array initialisers, string
        // switches); a type of ours there breaks CheckTypesLiveInTheAssemblyTheirNamespaceNames instead.
        string[] allowed = [KernelRoot, "System", "", .. set.ContractsNamespaces];
        violations.AddRange(set.TypesDependingOnOtherThan(InContracts, allowed)
            .Select(o => new Violation(o, "depends on something other than System, the shared kernel and contracts")));
        return Sorted(violations);
    }

    /// <summary>
    /// Contracts hold integration events and catalogs: records, enums, static classes, and classes implementing
    /// <see cref="IIntegrationEvent"/>. No handler, no Mediator message, nothing built by the container.
    /// </summary>
    public static IReadOnlyList<Violation> CheckContractsContainOnlyIntegrationEventsAndCatalogs(IEnumerable<Assembly> assemblies)
    {
        var violations = new List<Violation>();
        foreach (var type in ModuleTypeSet.Of(assemblies).ReflectionTypes.Where(t => ModulePart.Of(t) is { IsContracts: true }))
        {
            if (ImplementsIntegrationEventHandler(type))
            {
                violations.Add(new Violation(Name(type), "is an integration event handler; handlers live in the subscribing module"));
            }
            else if (type.GetInterfaces().Any(i => i.Namespace == "Mediator"))
            {
                violations.Add(new Violation(Name(type), "is a Mediator request, notification or handler; those stay inside their module"));
            }
            else if (InjectedService(type) is { } service)
            {
                violations.Add(new Violation(Name(type), $"takes {service} in its constructor; contracts carry data, not services"));
            }
            else if (!(IsIntegrationEvent(type) || type.IsEnum || IsStaticClass(type) || IsRecord(type)))
            {
                violations.Add(new Violation(Name(type), "is neither an integration event, a record, an enum nor a static catalog"));
            }
        }

        return Sorted(violations);
    }

    /// <summary>The one public type of Crm.Modules.X is the static class Crm.Modules.X.XModule.</summary>
    public static IReadOnlyList<Violation> CheckOnlyTheRegistrarIsPublic(IEnumerable<Assembly> assemblies)
    {
        var violations = new List<Violation>();
        foreach (var type in ModuleTypeSet.Of(assemblies).ReflectionTypes.Where(t => t.IsVisible))
        {
            if (ModulePart.Of(type) is not { IsContracts: false } part)
            {
                continue;
            }

            if (type.FullName != RegistrarName(part.Module))
            {
                violations.Add(new Violation(Name(type), $"is public; only the registrar {RegistrarName(part.Module)} may be"));
            }
            else if (!IsStaticClass(type))
            {
                violations.Add(new Violation(Name(type), "is the registrar but not a static class"));
            }
        }

        return Sorted(violations);
    }

    /// <summary>Modules (and their contracts) reach storage through the document port only.</summary>
    public static IReadOnlyList<Violation> CheckModulesDoNotReferenceInfrastructureAdapters(IEnumerable<Assembly> assemblies)
    {
        var set = ModuleTypeSet.Of(assemblies);
        var violations = new List<Violation>();
        foreach (var (dependency, what) in InfrastructureAdapters)
        {
            violations.AddRange(set.TypesDependingOnAny(t => ModulePart.Of(t) is not null, [dependency])
                .Select(o => new Violation(o, $"depends on {what}; use the document port in {KernelRoot}.Documents")));
        }

        foreach (var assembly in set.Assemblies.Where(a => ModulePart.OfAssembly(a) is not null))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (InfrastructureAdapters.Any(a => reference.Name!.StartsWith(a.Dependency, StringComparison.Ordinal)))
                {
                    violations.Add(new Violation(assembly.GetName().Name!, $"references the assembly {reference.Name}"));
                }
            }
        }

        return Sorted(violations);
    }

    /// <summary>Every implementation of IIntegrationEventHandler&lt;T&gt; in a module is named ...IntegrationEventHandler.</summary>
    public static IReadOnlyList<Violation> CheckIntegrationEventHandlerNames(IEnumerable<Assembly> assemblies) =>
        Sorted(ModuleTypeSet.Of(assemblies).ReflectionTypes
            .Where(t => ModulePart.Of(t) is not null && ImplementsIntegrationEventHandler(t))
            .Where(t => !NameWithoutArity(t).EndsWith(HandlerSuffix, StringComparison.Ordinal))
            .Select(t => new Violation(Name(t), $"handles integration events but its name does not end in {HandlerSuffix}")));

    /// <summary>The kernel is below the modules: none of its types, nor its assemblies, know a module.</summary>
    public static IReadOnlyList<Violation> CheckSharedKernelReferencesNoModule(IEnumerable<Assembly> assemblies)
    {
        var set = ModuleTypeSet.Of(assemblies);
        var violations = set.TypesDependingOnAny(
                t => ModulePart.NamespaceOf(t).StartsWith(KernelRoot, StringComparison.Ordinal),
                [ModulesRoot])
            .Select(o => new Violation(o, "is part of the shared kernel but depends on a module"))
            .ToList();

        foreach (var assembly in set.Assemblies.Where(a => a.GetName().Name!.StartsWith(KernelRoot, StringComparison.Ordinal)))
        {
            violations.AddRange(assembly.GetReferencedAssemblies()
                .Where(r => r.Name!.StartsWith(ModulesRoot + ".", StringComparison.Ordinal))
                .Select(r => new Violation(assembly.GetName().Name!, $"references the assembly {r.Name}")));
        }

        return Sorted(violations);
    }

    /// <summary>
    /// Every module has its registrar (public static XModule with AddXModule(IServiceCollection, IConfiguration))
    /// and its contracts.
    /// </summary>
    public static IReadOnlyList<Violation> CheckEveryModuleHasARegistrarAndContracts(IEnumerable<Assembly> assemblies)
    {
        var set = ModuleTypeSet.Of(assemblies);
        var violations = new List<Violation>();
        foreach (var module in set.ModuleNames)
        {
            var registrar = set.ReflectionTypes.SingleOrDefault(t => t.FullName == RegistrarName(module));
            var entryPoint = registrar?.GetMethod(
                RegistrarMethodName(module),
                BindingFlags.Public | BindingFlags.Static,
                [typeof(IServiceCollection), typeof(IConfiguration)]);
            if (registrar is null)
            {
                violations.Add(new Violation($"{ModulesRoot}.{module}", $"has no registrar {RegistrarName(module)}"));
            }
            else if (!registrar.IsVisible || !IsStaticClass(registrar))
            {
                violations.Add(new Violation(Name(registrar), "must be a public static class"));
            }
            else if (entryPoint is null || entryPoint.ReturnType != typeof(IServiceCollection))
            {
                violations.Add(new Violation(Name(registrar), $"has no public static IServiceCollection {RegistrarMethodName(module)}(IServiceCollection, IConfiguration)"));
            }

            if (!set.HasContracts(module))
            {
                violations.Add(new Violation($"{ModulesRoot}.{module}", $"has no {ModulesRoot}.{module}.Contracts"));
            }
        }

        return Sorted(violations);
    }

    /// <summary>Every module project on disk is referenced by the host (so the host can call its registrar by name).</summary>
    public static IReadOnlyList<Violation> CheckHostReferencesEveryModule(IEnumerable<string> modulesReferencedByHost, IEnumerable<string> modulesOnDisk) =>
        Sorted(modulesOnDisk.Except(modulesReferencedByHost, StringComparer.Ordinal)
            .Select(m => new Violation($"{ModulesRoot}.{m}", "is not referenced by Crm.Host, so its registrar cannot be called")));

    /// <summary>The host calls every module's AddXModule by name.</summary>
    public static IReadOnlyList<Violation> CheckHostCallsEveryRegistrar(Assembly host, IEnumerable<Assembly> assemblies)
    {
        ArgumentNullException.ThrowIfNull(host);
        var set = ModuleTypeSet.Of(assemblies);
        using var definition = AssemblyDefinition.ReadAssembly(host.Location);
        var called = definition.Modules
            .SelectMany(m => m.GetTypes())
            .SelectMany(t => t.Methods)
            .Where(m => m.HasBody)
            .SelectMany(m => m.Body.Instructions)
            .Select(i => i.Operand)
            .OfType<MethodReference>()
            .Select(m => $"{m.DeclaringType.FullName}.{m.Name}")
            .ToHashSet(StringComparer.Ordinal);

        return Sorted(set.ModuleNames
            .Select(m => $"{RegistrarName(m)}.{RegistrarMethodName(m)}")
            .Where(e => !called.Contains(e))
            .Select(e => new Violation(e, $"is never called by {host.GetName().Name}")));
    }

    /// <summary>
    /// A type in namespace Crm.Modules.X[.Contracts] lives in the assembly of that name, and an assembly named
    /// Crm.Modules.X[.Contracts] holds only that namespace: the other rules read module membership from namespaces.
    /// </summary>
    public static IReadOnlyList<Violation> CheckTypesLiveInTheAssemblyTheirNamespaceNames(IEnumerable<Assembly> assemblies)
    {
        var violations = new List<Violation>();
        foreach (var type in ModuleTypeSet.Of(assemblies).ReflectionTypes)
        {
            var assemblyName = type.Assembly.GetName().Name!;
            var expected = ModulePart.Of(type)?.AssemblyName;
            if (expected is not null && expected != assemblyName)
            {
                violations.Add(new Violation(Name(type), $"is in the namespace of {expected} but lives in the assembly {assemblyName}"));
            }
            // Source generators (regex, logging, configuration binding) may add helpers in namespaces of their own.
            else if (expected is null && ModulePart.OfAssemblyName(assemblyName) is not null
                     && !type.IsDefined(typeof(GeneratedCodeAttribute), false))
            {
                violations.Add(new Violation(Name(type), $"lives in {assemblyName} outside its namespace"));
            }
        }

        return Sorted(violations);
    }

    private static string RegistrarName(string module) => $"{ModulesRoot}.{module}.{module}Module";

    private static string RegistrarMethodName(string module) => $"Add{module}Module";

    private static bool ImplementsIntegrationEventHandler(Type type) =>
        type.IsClass && type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IIntegrationEventHandler<>));

    private static bool IsIntegrationEvent(Type type) => type.IsClass && typeof(IIntegrationEvent).IsAssignableFrom(type);

    private static bool IsStaticClass(Type type) => type.IsClass && type.IsAbstract && type.IsSealed;

    // The compiler marks a record class with its clone method and a record struct with its PrintMembers.
    private static bool IsRecord(Type type) =>
        type.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance) is not null
        || (type.IsValueType && type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is { } print
            && print.IsDefined(typeof(CompilerGeneratedAttribute), false));

    // A public constructor that asks for an interface or an abstract class (a store, a logger, a TimeProvider) is
    // asking the container for a service; collections of data are the exception.
    private static string? InjectedService(Type type) =>
        type.GetConstructors()
            .SelectMany(c => c.GetParameters())
            .Select(p => Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType)
            .Where(p => (p.IsInterface || (p.IsClass && p.IsAbstract)) && p.Namespace?.StartsWith("System.Collections", StringComparison.Ordinal) != true)
            .Select(p => p.Name)
            .FirstOrDefault();

    private static string NameWithoutArity(Type type) => type.Name.Split('`')[0];

    private static string Name(Type type) => type.FullName ?? type.Name;

    private static List<Violation> Sorted(IEnumerable<Violation> violations) =>
        [.. violations.Distinct().OrderBy(v => v.Offender, StringComparer.Ordinal).ThenBy(v => v.Reason, StringComparer.Ordinal)];

    /// <summary>The types of a set of assemblies, seen both through NetArchTest (for dependencies) and reflection (for shapes).</summary>
    private sealed class ModuleTypeSet
    {
        private readonly Types _types;

        private ModuleTypeSet(IReadOnlyList<Assembly> assemblies)
        {
            Assemblies = assemblies;
            _types = Types.InAssemblies(assemblies);
            ReflectionTypes = [.. assemblies.SelectMany(LoadableTypes).Where(t => !IsCompilerGenerated(t))];
            ModuleNames =
            [
                .. ReflectionTypes.Select(ModulePart.Of)
                    .Concat(assemblies.Select(ModulePart.OfAssembly))
                    .OfType<ModulePart>()
                    .Select(p => p.Module)
                    .Distinct()
                    .Order(StringComparer.Ordinal),
            ];
        }

        public IReadOnlyList<Assembly> Assemblies { get; }

        public IReadOnlyList<Type> ReflectionTypes { get; }

        public IReadOnlyList<string> ModuleNames { get; }

        public IEnumerable<string> ContractsNamespaces => ModuleNames.Select(m => $"{ModulesRoot}.{m}.Contracts");

        public static ModuleTypeSet Of(IEnumerable<Assembly> assemblies) => new([.. assemblies.Distinct()]);

        public bool HasContracts(string module) =>
            Assemblies.Any(a => ModulePart.OfAssembly(a) == new ModulePart(module, IsContracts: true))
            || ReflectionTypes.Any(t => ModulePart.Of(t) == new ModulePart(module, IsContracts: true));

        /// <summary>The top-level types of a module's implementation, as NetArchTest dependency names.</summary>
        public string[] ImplementationTypeNames(string module) =>
        [
            .. ReflectionTypes
                .Where(t => !t.IsNested && ModulePart.Of(t) == new ModulePart(module, IsContracts: false))
                .Select(t => t.FullName!),
        ];

        public IEnumerable<string> TypesDependingOnAny(Func<TypeDefinition, bool> selection, string[] dependencies) =>
            dependencies.Length == 0
                ? []
                : Offenders(_types.That().MeetCustomRule(new Selection(selection)).ShouldNot().HaveDependencyOnAny(dependencies).GetResult());

        public IEnumerable<string> TypesDependingOnOtherThan(Func<TypeDefinition, bool> selection, string[] allowed) =>
            Offenders(_types.That().MeetCustomRule(new Selection(selection)).ShouldNot().HaveDependenciesOtherThan(allowed).GetResult());

        // Code in lambdas and async methods is compiled into nested types; the offence belongs to the type the
        // developer wrote, so name that one.
        private static IEnumerable<string> Offenders(TestResult result) =>
            (result.FailingTypeNames ?? [])
                .Select(n => string.Join('+', n.Split('/').TakeWhile(part => !part.StartsWith('<'))))
                .Where(n => n.Length > 0)
                .Distinct(StringComparer.Ordinal);

        private static IEnumerable<Type> LoadableTypes(Assembly assembly)
        {
            try
            {
                return assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                return e.Types.OfType<Type>();
            }
        }

        private static bool IsCompilerGenerated(Type type)
        {
            for (var t = type; t is not null; t = t.DeclaringType)
            {
                if (t.Name.StartsWith('<') || t.IsDefined(typeof(CompilerGeneratedAttribute), false))
                {
                    return true;
                }
            }

            return false;
        }

        private sealed class Selection(Func<TypeDefinition, bool> predicate) : ICustomRule
        {
            public bool MeetsRule(TypeDefinition type) => predicate(type);
        }
    }

    /// <summary>Which module a namespace (or assembly name) belongs to, and whether it is that module's contracts.</summary>
    private readonly record struct ModulePart(string Module, bool IsContracts)
    {
        public string AssemblyName => IsContracts ? $"{ModulesRoot}.{Module}.Contracts" : $"{ModulesRoot}.{Module}";

        public static ModulePart? Of(Type type) => Parse(type.Namespace);

        public static ModulePart? Of(TypeDefinition type) => Parse(NamespaceOf(type));

        public static ModulePart? OfAssembly(Assembly assembly) => OfAssemblyName(assembly.GetName().Name);

        // An assembly name is a namespace with no sub-namespaces beyond .Contracts.
        public static ModulePart? OfAssemblyName(string? name) =>
            name is not null && name.Split('.').Length <= 4 && Parse(name) is { } part && part.AssemblyName == name ? part : null;

        public static string NamespaceOf(TypeDefinition type)
        {
            var outermost = type;
            while (outermost.DeclaringType is not null)
            {
                outermost = outermost.DeclaringType;
            }

            return outermost.Namespace ?? string.Empty;
        }

        private static ModulePart? Parse(string? ns)
        {
            var parts = ns?.Split('.');
            return parts is ["Crm", "Modules", var module, ..]
                ? new ModulePart(module, parts.Length > 3 && parts[3] == "Contracts")
                : null;
        }
    }
}
