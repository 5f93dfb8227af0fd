using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Events;

/// <summary>A fresh database file per test, in a temporary folder removed afterwards.</summary>
public abstract class EventDatabaseFixture
{
    private DirectoryInfo? _folder;

    protected string DatabasePath => Path.Combine(_folder!.FullName, "crm.db");

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("crm-events-");

    [TearDown]
    public void RemoveFolder() => _folder?.Delete(recursive: true);
}
