using System.Reflection;
using Crm.Modules.Broken;

namespace Crm.ArchitectureTests;

/// <summary>
/// Each rule run over tests/Crm.ArchitectureTests.Violations, a fixture that breaks it on purpose: the rule must
/// fail and name exactly the offending types, so a rule that silently passes everything cannot go unnoticed.
/// </summary>
public sealed class RulesFailOnABrokenModule
{
    private static readonly Assembly[] Broken = [typeof(BrokenModule).Assembly];

    [Test]
    public void A_module_depends_on_no_other_module_except_through_its_contracts_names_the_type_using_another_modules_internals() =>
        Assert.That(
            Offenders(ModuleRules.CheckModulesReachOtherModulesOnlyThroughContracts(Broken)),
            Is.EqualTo(new[] { "Crm.Modules.Broken.LedgerPeek" }));

    [Test]
    public void Contracts_depend_only_on_the_shared_kernel_abstractions_names_contracts_using_sqlite_mediator_logging_or_a_module() =>
        Assert.That(
            Offenders(ModuleRules.CheckContractsDependOnlyOnSharedKernelAbstractions(Broken)),
            Is.EqualTo(new[]
            {
                "Crm.Modules.Broken.Contracts.BrokenLogSetting",
                "Crm.Modules.Broken.Contracts.CustomerSnapshotStore",
                "Crm.Modules.Broken.Contracts.GetBrokenThing",
                "Crm.Modules.Broken.Contracts.LedgerCatalog",
            }));

    [Test]
    public void Contracts_contain_only_integration_events_and_public_catalog_types_names_handlers_requests_and_services() =>
        Assert.That(
            Offenders(ModuleRules.CheckContractsContainOnlyIntegrationEventsAndCatalogs(Broken)),
            Is.EqualTo(new[]
            {
                "Crm.Modules.Broken.Contracts.BrokenThingHappenedIntegrationEventHandler",
                "Crm.Modules.Broken.Contracts.CustomerDirectory",
                "Crm.Modules.Broken.Contracts.CustomerSnapshotStore",
                "Crm.Modules.Broken.Contracts.GetBrokenThing",
            }));

    [Test]
    public void Every_type_in_a_module_is_internal_except_its_registrar_names_the_public_non_registrar() =>
        Assert.That(
            Offenders(ModuleRules.CheckOnlyTheRegistrarIsPublic(Broken)),
            Is.EqualTo(new[] { "Crm.Modules.Broken.CustomerExporter" }));

    [Test]
    public void Modules_do_not_reference_the_infrastructure_adapters_names_the_types_opening_sqlite() =>
        Assert.That(
            Offenders(ModuleRules.CheckModulesDoNotReferenceInfrastructureAdapters(Broken)),
            Is.EqualTo(new[] { "Crm.Modules.Broken.Contracts.CustomerSnapshotStore", "Crm.Modules.Broken.RawSqlReader" }));

    [Test]
    public void Integration_event_handlers_end_in_IntegrationEventHandler_names_misnamed_handlers_declared_or_inherited() =>
        Assert.That(
            Offenders(ModuleRules.CheckIntegrationEventHandlerNames(Broken)),
            Is.EqualTo(new[]
            {
                "Crm.Modules.Broken.OtherThingReaction",
                "Crm.Modules.Broken.OtherThingWatcher",
                "Crm.Modules.Broken.ReactionBase",
            }));

    [Test]
    public void The_shared_kernel_references_no_module_names_the_kernel_type_that_knows_a_module() =>
        Assert.That(
            Offenders(ModuleRules.CheckSharedKernelReferencesNoModule(Broken)),
            Is.EqualTo(new[] { "Crm.SharedKernel.Leaky.LeakyKernelType" }));

    [Test]
    public void Each_registrar_is_called_by_name_from_the_host_names_the_registrar_without_its_entry_point_and_the_uncalled_one()
    {
        Assert.That(
            Offenders(ModuleRules.CheckEveryModuleHasARegistrarAndContracts(Broken)),
            Is.EqualTo(new[] { "Crm.Modules.Other.OtherModule" }));
        Assert.That(
            Offenders(ModuleRules.CheckHostCallsEveryRegistrar(Broken[0], Broken)),
            Is.EqualTo(new[] { "Crm.Modules.Other.OtherModule.AddOtherModule" }));
        Assert.That(
            Offenders(ModuleRules.CheckHostReferencesEveryModule(CrmAssemblies.ModuleNamesReferencedByHost, [.. CrmAssemblies.ModuleNamesOnDisk(), "Broken"])),
            Is.EqualTo(new[] { "Crm.Modules.Broken" }));
    }

    [Test]
    public void Each_registrar_is_called_by_name_from_the_host_names_every_registrar_when_the_host_calls_none() =>
        Assert.That(
            Offenders(ModuleRules.CheckHostCallsEveryRegistrar(typeof(RulesFailOnABrokenModule).Assembly, Broken)),
            Is.EqualTo(new[] { "Crm.Modules.Broken.BrokenModule.AddBrokenModule", "Crm.Modules.Other.OtherModule.AddOtherModule" }));

    [Test]
    public void Types_live_in_the_assembly_their_namespace_names_names_module_types_outside_their_module_assembly()
    {
        var offenders = Offenders(ModuleRules.CheckTypesLiveInTheAssemblyTheirNamespaceNames(Broken));

        Assert.That(offenders, Does.Contain("Crm.Modules.Broken.BrokenModule"));
        Assert.That(offenders, Does.Contain("Crm.Modules.Other.Contracts.OtherThingHappenedIntegrationEvent"));
        Assert.That(offenders, Has.None.StartsWith("Crm.SharedKernel"));
    }

    [Test]
    public void The_real_modules_are_checked_without_the_broken_fixture() =>
        Assert.That(CrmAssemblies.Modules, Has.No.Member(typeof(BrokenModule).Assembly));

    private static string[] Offenders(IReadOnlyList<Violation> violations) =>
        [.. violations.Select(v => v.Offender).Distinct().Order(StringComparer.Ordinal)];
}
