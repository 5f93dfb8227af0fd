using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Infrastructure.Mongo;
using Crm.SharedKernel.Infrastructure.Outbox;
using Crm.SharedKernel.Infrastructure.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Crm.SharedKernel.Infrastructure;

public static class DocumentStoreRegistration
{
    /// <summary>Registers the document store: MongoDB when <c>ConnectionStrings:Mongo</c> is set, else the embedded SQLite file.</summary>
    public static IServiceCollection AddDocumentStore(this IServiceCollection services, IConfiguration configuration, string? contentRoot = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("Mongo")))
        {
            return services.AddMongoDocumentStore(MongoStoreOptions.From(configuration));
        }

        return services.AddSqliteDocumentStore(SqliteStoreOptions.From(configuration, contentRoot));
    }

    /// <summary>Registers the SQLite engine as the <see cref="IDocumentStore"/> and the outbox it writes.</summary>
    public static IServiceCollection AddSqliteDocumentStore(this IServiceCollection services, SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DocumentModel>();
        services.AddSingleton(provider => new SqliteDocumentStore(
            provider.GetRequiredService<DocumentModel>(),
            options,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<ILogger<SqliteDocumentStore>>()));
        services.AddSingleton<IDocumentStore>(provider => provider.GetRequiredService<SqliteDocumentStore>());
        services.AddSingleton<IOutboxStore>(provider => provider.GetRequiredService<SqliteDocumentStore>().Outbox);
        return services;
    }
}
