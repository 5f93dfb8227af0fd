namespace Crm.Host.Tests.Support;

/// <summary>One host shared by the tests of a fixture: started before the first test, stopped after the last.</summary>
public abstract class HostFixture
{
    private protected CrmHostFactory Factory { get; private set; } = null!;

    private protected HttpClient Client { get; private set; } = null!;

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
    private protected virtual CrmHostFactory CreateFactory() => new();
}
