using Crm.SharedKernel.Tests.Store;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

/// <summary>A fresh database file per test, in a temporary folder removed afterwards.</summary>
public abstract class EventDatabaseFixture
{
    private string? _folder;

    protected string DatabasePath => Path.Combine(_folder!, "crm.db");

    [SetUp]
    public void CreateFolder() => _folder = TempFolder.Create();

    [TearDown]
    public void RemoveFolder() => TempFolder.Delete(_folder!);
}
