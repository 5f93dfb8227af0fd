using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure;
using Crm.SharedKernel.Infrastructure.Mongo;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests.Mongo;

public sealed class MongoUnreachableServerTests
{
    [Test]
    public async Task Ping_of_a_server_that_is_not_there_says_which_address_failed_and_why()
    {
        using var store = MongoTestStores.Unreachable(out var address);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PingAsync());

        Assert.That(error!.Message, Does.Contain(address));
        Assert.That(error.Message, Does.Contain("refused").IgnoreCase);
    }

    [Test]
    public async Task Start_up_against_a_server_that_is_not_there_fails_as_unavailable_naming_the_address()
    {
        using var store = MongoTestStores.Unreachable(out var address);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.EnsureStartedAsync(CancellationToken.None));

        Assert.That(error!.Message, Does.Contain(address));
        Assert.That(error.Message, Does.Contain("unavailable"));
    }

    [Test]
    public async Task Reads_and_commits_against_a_server_that_is_not_there_fail_as_unavailable()
    {
        using var store = MongoTestStores.Unreachable(out var address);
        await using var session = store.OpenSession();
        session.Store(new Shopper { Name = "Ada" });

        var load = await Assert.ThrowsAsync<StoreUnavailableException>(() => session.LoadAsync<Shopper>("x"));
        var save = await Assert.ThrowsAsync<StoreUnavailableException>(() => session.SaveChangesAsync());
        var outbox = await Assert.ThrowsAsync<StoreUnavailableException>(() => ((IOutboxStore)store).ReadPendingAsync(10, CancellationToken.None));

        Assert.That(new[] { load!.Message, save!.Message, outbox!.Message }, Has.All.Contain(address));
    }

    [Test]
    public async Task The_registered_store_is_one_singleton_serving_documents_and_the_outbox()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Mongo"] = $"mongodb://127.0.0.1:{MongoTestStores.ClosedPort()}/shop?replicaSet=rs0",
                ["Storage:Mongo:ServerSelectionTimeout"] = "00:00:01",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddDocumentCollection<Shopper>("tests.shoppers");
        services.AddMongoDocumentStore(MongoStoreOptions.From(configuration));
        await using var provider = services.BuildServiceProvider();

        var documents = provider.GetRequiredService<IDocumentStore>();
        var outbox = provider.GetRequiredService<IOutboxStore>();

        Assert.That(outbox, Is.SameAs(documents));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => documents.PingAsync());
    }

    [Test]
    public async Task A_host_starts_while_the_server_is_not_answering_yet_and_the_store_reports_unavailable_until_it_does()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDocumentCollection<Shopper>("tests.shoppers");
        services.AddMongoDocumentStore(new MongoStoreOptions
        {
            ConnectionString = $"mongodb://127.0.0.1:{MongoTestStores.ClosedPort()}/?replicaSet=rs0",
            ServerSelectionTimeout = TimeSpan.FromSeconds(1),
        });
        await using var provider = services.BuildServiceProvider();

        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        await Assert.ThrowsAsync<StoreUnavailableException>(() => provider.GetRequiredService<IDocumentStore>().OpenSession().LoadAsync<Shopper>("x"));
    }

    [Test]
    public async Task AddDocumentStore_picks_MongoDB_when_a_mongo_connection_string_is_configured()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Mongo"] = $"mongodb://127.0.0.1:{MongoTestStores.ClosedPort()}/?replicaSet=rs0",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddDocumentStore(configuration);
        await using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IDocumentStore>(), Is.TypeOf<MongoDocumentStore>());
    }
}

public sealed class MongoStoreOptionsTests
{
    [Test]
    public void Options_come_from_the_connection_string_and_the_storage_section()
    {
        var options = MongoStoreOptions.From(Configuration(new()
        {
            ["ConnectionStrings:Mongo"] = "mongodb://db1:27017,db2:27017/?replicaSet=rs0",
            ["Storage:Mongo:Database"] = "crm_test",
            ["Storage:Mongo:ServerSelectionTimeout"] = "00:00:02",
        }));

        Assert.That(options.ConnectionString, Is.EqualTo("mongodb://db1:27017,db2:27017/?replicaSet=rs0"));
        Assert.That(options.ResolveDatabase(), Is.EqualTo("crm_test"));
        Assert.That(options.ServerSelectionTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void The_database_defaults_to_the_one_in_the_connection_string_then_to_crm_and_the_timeout_to_five_seconds()
    {
        var named = MongoStoreOptions.From(Configuration(new() { ["ConnectionStrings:Mongo"] = "mongodb://db1/shop?replicaSet=rs0" }));
        var unnamed = MongoStoreOptions.From(Configuration(new() { ["ConnectionStrings:Mongo"] = "mongodb://db1/?replicaSet=rs0" }));

        Assert.That(named.ResolveDatabase(), Is.EqualTo("shop"));
        Assert.That(unnamed.ResolveDatabase(), Is.EqualTo("crm"));
        Assert.That(unnamed.ServerSelectionTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public void A_timeout_that_is_not_a_time_span_is_refused_with_the_setting_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => MongoStoreOptions.From(Configuration(new()
        {
            ["ConnectionStrings:Mongo"] = "mongodb://db1/",
            ["Storage:Mongo:ServerSelectionTimeout"] = "soon",
        })));

        Assert.That(error!.Message, Does.Contain("Storage:Mongo:ServerSelectionTimeout"));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
