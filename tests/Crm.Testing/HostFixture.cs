namespace Crm.Testing;

/// <summary>One host shared by the tests of a fixture: started before the first test, stopped after the last.</summary>
public abstract class HostFixture
{
    protected CrmHostFactory Factory { get; private set; } = null!;

    protected HttpClient Client { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartHost()
    {
        Factory = CreateFactory();
        Client = Factory.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopHost()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }

    /// <summary>The host the fixture runs against; a fixture that needs settings or test services says so here.</summary>
    protected virtual CrmHostFactory CreateFactory() => new();
}
