namespace Crm.Modules.Other.Domain;

/// <summary>Stands for a module's internals: nothing outside Crm.Modules.Other may use it.</summary>
internal sealed class OtherLedger
{
    public int Entries { get; } = 3;
}
