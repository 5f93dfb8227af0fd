namespace Crm.SharedKernel.Privacy;

/// <summary>
/// One module's part of a data-portability export. The module that owns people (Customers) asks every registered
/// source for what it holds about one person and puts each answer under the source's <see cref="Section"/>; a
/// module registers its source with <c>services.AddSingleton&lt;IPersonalDataSource, X&gt;()</c>. Erasure is the
/// matching integration event, not this interface: sources only read.
/// </summary>
public interface IPersonalDataSource
{
    /// <summary>The section's name in the export, e.g. <c>orders</c>.</summary>
    string Section { get; }

    /// <summary>What this module holds about the person, serialisable to JSON; null when it holds nothing.</summary>
    Task<object?> ExportAsync(string customerId, string email, CancellationToken cancellationToken);
}
