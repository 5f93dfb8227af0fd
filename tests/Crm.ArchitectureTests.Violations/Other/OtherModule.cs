namespace Crm.Modules.Other;

/// <summary>A registrar without the Add{Module}Module entry point the host calls by name.</summary>
public static class OtherModule
{
    public static int Register() => 0;
}
