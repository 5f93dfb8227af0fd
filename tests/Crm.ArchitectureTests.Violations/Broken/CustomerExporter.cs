namespace Crm.Modules.Broken;

/// <summary>Breaks "every type in a module is internal except its registrar".</summary>
public sealed class CustomerExporter
{
    public string Export(string customerId) => customerId;
}
