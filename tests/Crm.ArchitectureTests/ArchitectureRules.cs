namespace Crm.ArchitectureTests;

/// <summary>The house rules over the real modules, found through the host (see <see cref="CrmAssemblies"/>).</summary>
public sealed class ArchitectureRules
{
    private static readonly string[] TheSixModules = ["AI", "Campaigns", "Customers", "Identity", "Orders", "Segments"];

    [Test]
    public void The_rules_see_every_module_the_host_references_and_each_one_on_disk()
    {
        Assert.That(CrmAssemblies.ModuleNamesReferencedByHost, Is.SupersetOf(TheSixModules));
        Assert.That(CrmAssemblies.ModuleNamesOnDisk(), Is.SupersetOf(TheSixModules));
        Assert.That(
            CrmAssemblies.Modules.Select(a => a.GetName().Name),
            Is.SupersetOf(TheSixModules.SelectMany(m => new[] { $"Crm.Modules.{m}", $"Crm.Modules.{m}.Contracts" })));
        Assert.That(CrmAssemblies.Modules.Select(a => a.GetName().Name), Has.None.EqualTo("Crm.ArchitectureTests.Violations"));
    }

    [Test]
    public void A_module_depends_on_no_other_module_except_through_its_contracts() =>
        AssertNone(ModuleRules.CheckModulesReachOtherModulesOnlyThroughContracts(CrmAssemblies.Modules));

    [Test]
    public void Contracts_depend_only_on_the_shared_kernel_abstractions() =>
        AssertNone(ModuleRules.CheckContractsDependOnlyOnSharedKernelAbstractions(CrmAssemblies.Modules));

    [Test]
    public void Contracts_contain_only_integration_events_and_public_catalog_types() =>
        AssertNone(ModuleRules.CheckContractsContainOnlyIntegrationEventsAndCatalogs(CrmAssemblies.Modules));

    [Test]
    public void Every_type_in_a_module_is_internal_except_its_registrar() =>
        AssertNone(ModuleRules.CheckOnlyTheRegistrarIsPublic(CrmAssemblies.Modules));

    [Test]
    public void Modules_do_not_reference_the_infrastructure_adapters() =>
        AssertNone(ModuleRules.CheckModulesDoNotReferenceInfrastructureAdapters(CrmAssemblies.Modules));

    [Test]
    public void Integration_event_handlers_end_in_IntegrationEventHandler() =>
        AssertNone(ModuleRules.CheckIntegrationEventHandlerNames(CrmAssemblies.Modules));

    [Test]
    public void The_shared_kernel_references_no_module() =>
        AssertNone(ModuleRules.CheckSharedKernelReferencesNoModule(CrmAssemblies.SharedKernel));

    [Test]
    public void Each_registrar_is_called_by_name_from_the_host() =>
        AssertNone(
        [
            .. ModuleRules.CheckHostReferencesEveryModule(CrmAssemblies.ModuleNamesReferencedByHost, CrmAssemblies.ModuleNamesOnDisk()),
            .. ModuleRules.CheckEveryModuleHasARegistrarAndContracts(CrmAssemblies.Modules),
            .. ModuleRules.CheckHostCallsEveryRegistrar(CrmAssemblies.Host, CrmAssemblies.Modules),
        ]);

    [Test]
    public void Types_live_in_the_assembly_their_namespace_names() =>
        AssertNone(ModuleRules.CheckTypesLiveInTheAssemblyTheirNamespaceNames(CrmAssemblies.Modules));

    private static void AssertNone(IReadOnlyList<Violation> violations) =>
        Assert.That(violations, Is.Empty, () => string.Join(Environment.NewLine, violations));
}
