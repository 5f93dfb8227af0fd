using Crm.SharedKernel.Documents;
using Mediator;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Crm.Host.Tests;

public sealed class CompositionTests
{
    [Test]
    public async Task The_generated_mediator_resolves_per_request_scope()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateClient();
        await using var scope = factory.Services.CreateAsyncScope();

        Assert.That(scope.ServiceProvider.GetService<IMediator>(), Is.Not.Null);
        Assert.That(scope.ServiceProvider.GetService<ISender>(), Is.Not.Null);
    }

    [Test]
    public async Task The_store_sees_every_collection_declared_by_the_kernel_and_the_modules()
    {
        await using var factory = new CrmHostFactory()
            .WithTestServices(services => services.AddDocumentCollection<ProbeDocument>("probes.documents"));
        using var client = factory.CreateClient();

        var names = factory.Services.GetRequiredService<DocumentModel>().Collections.Select(c => c.Name);

        Assert.That(names, Is.SupersetOf(new[] { "crm.inbox", "crm.deliveries", "probes.documents" }));
    }

    [Test]
    public async Task Without_redis_the_hybrid_cache_works_in_memory()
    {
        await using var factory = new CrmHostFactory();
        using var client = factory.CreateClient();
        var cache = factory.Services.GetRequiredService<HybridCache>();

        var first = await cache.GetOrCreateAsync("probe", _ => ValueTask.FromResult("computed once"));
        var second = await cache.GetOrCreateAsync("probe", _ => ValueTask.FromResult("computed twice"));

        Assert.That(second, Is.EqualTo(first));
        Assert.That(factory.Services.GetService<IDistributedCache>(), Is.Not.InstanceOf<RedisCache>());
    }

    [Test]
    public async Task Outside_development_logs_are_written_as_json()
    {
        await using var factory = new CrmHostFactory();
        factory.WithSetting("environment", "Production");
        using var client = factory.CreateClient();

        var console = factory.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;

        Assert.That(console.FormatterName, Is.EqualTo(ConsoleFormatterNames.Json));
    }
}
