using Crm.Modules.Other.Domain;

namespace Crm.Modules.Broken;

/// <summary>
/// Breaks "a module depends on no other module except through its contracts": it reads the other module's
/// internal ledger, and only inside an async method body, where the compiler moves the code into a state machine.
/// </summary>
internal sealed class LedgerPeek
{
    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        return new OtherLedger().Entries;
    }
}
