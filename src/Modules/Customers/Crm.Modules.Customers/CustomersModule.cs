using System.Text.Json;
using System.Text.Json.Serialization;
using Carter;
using Crm.Modules.Customers.Domain;
using Crm.Modules.Customers.Features.BulkUpsertCustomers;
using Crm.Modules.Customers.Features.UpsertCustomers;
using Crm.SharedKernel.Documents;
using FluentValidation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Customers;

/// <summary>The Customers module's registrar: the one public type of the module, called by name from the host.</summary>
public static class CustomersModule
{
    public static IServiceCollection AddCustomersModule(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddDocumentCollection<Customer>(Customer.Collection, c => c.UniqueIndex(x => x.Email));
        services.AddValidatorsFromAssembly(typeof(CustomersModule).Assembly, includeInternalTypes: true);

        // The API shows enums as camelCase strings (consent "optedIn"); reading accepts any case.
        services.ConfigureHttpJsonOptions(options =>
        {
            if (!options.SerializerOptions.Converters.Any(c => c is JsonStringEnumConverter))
            {
                options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            }
        });

        AddIngestion(services, configuration);
        return services;
    }

    /// <summary>Bulk upserts and CSV imports: one upsert engine behind both.</summary>
    private static void AddIngestion(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<BulkOptions>(configuration.GetSection(BulkOptions.Section));
        services.AddScoped<CustomerUpserter>();
        services.AddSingleton<ICarterModule, BulkUpsertCustomersEndpoint>();
    }
}
