using Carter;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Domain;
using Crm.Modules.Customers.Features;
using Crm.Modules.Customers.Features.BulkUpsertCustomers;
using Crm.Modules.Customers.Features.CreateCustomer;
using Crm.Modules.Customers.Features.EraseCustomer;
using Crm.Modules.Customers.Features.ExportCustomer;
using Crm.Modules.Customers.Features.GetCustomer;
using Crm.Modules.Customers.Features.ImportCustomers;
using Crm.Modules.Customers.Features.ListCustomers;
using Crm.Modules.Customers.Features.PatchCustomer;
using Crm.Modules.Customers.Features.RecordVisit;
using Crm.Modules.Customers.Features.UpsertCustomers;
using Crm.Modules.Customers.IntegrationEventHandlers;
using Crm.Modules.Orders.Contracts;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
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

        // The collection, validators and events every slice shares.
        services.AddDocumentCollection<Customer>(Customer.Collection, c => c
            .UniqueIndex(x => x.Email)
            .Index(x => x.NameKey)
            .Index(x => x.Profile.City)
            .Index(x => x.Tags)
            .Index(x => x.CreatedAt)
            .Index(x => x.Behaviour.TotalSpent));
        services.AddValidatorsFromAssembly(typeof(CustomersModule).Assembly, includeInternalTypes: true);
        services.AddIntegrationEvent<CustomerCreatedIntegrationEvent>();
        services.AddIntegrationEvent<CustomerUpdatedIntegrationEvent>();
        services.AddIntegrationEvent<CustomerErasedIntegrationEvent>();

        // REST: single customers, export, visits; order events keeping behaviour exact.
        services.AddSingleton<CustomerWriteGate>();
        services.AddSingleton<ICarterModule, CreateCustomerEndpoint>();
        services.AddSingleton<ICarterModule, GetCustomerEndpoint>();
        services.AddSingleton<ICarterModule, ListCustomersEndpoint>();
        services.AddSingleton<ICarterModule, PatchCustomerEndpoint>();
        services.AddSingleton<ICarterModule, EraseCustomerEndpoint>();
        services.AddSingleton<ICarterModule, ExportCustomerEndpoint>();
        services.AddSingleton<ICarterModule, RecordVisitEndpoint>();
        services.AddIntegrationEventHandler<OrderPlacedIntegrationEvent, OrderPlacedIntegrationEventHandler>();
        services.AddIntegrationEventHandler<OrderStatusChangedIntegrationEvent, OrderStatusChangedIntegrationEventHandler>();
        _ = CustomerMapping.Config; // compiled once at start-up, not on the first request

        AddIngestion(services, configuration);
        return services;
    }

    /// <summary>Bulk upserts and CSV imports: one upsert engine behind both, imports run by a background worker.</summary>
    private static void AddIngestion(IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<BulkOptions>(configuration.GetSection(BulkOptions.Section));
        services.AddScoped<CustomerUpserter>();
        services.AddSingleton<ICarterModule, BulkUpsertCustomersEndpoint>();

        services.AddDocumentCollection<CustomerImport>(CustomerImport.Collection, c => c.Index(x => x.Status));
        services.Configure<ImportOptions>(configuration.GetSection(ImportOptions.Section));
        services.AddSingleton<ImportFiles>();
        services.AddSingleton<ImportQueue>();
        services.AddScoped<CustomerImportRunner>();
        services.AddHostedService<CustomerImportWorker>();
        services.AddSingleton<ICarterModule, ImportCustomersEndpoint>();
        services.AddSingleton<ICarterModule, GetCustomerImportEndpoint>();
    }
}
