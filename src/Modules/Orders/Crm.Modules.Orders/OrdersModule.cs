using Carter;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Contracts;
using Crm.Modules.Orders.Domain;
using Crm.Modules.Orders.Features.ChangeOrderStatus;
using Crm.Modules.Orders.Features.GetOrder;
using Crm.Modules.Orders.Features.ListCustomerOrders;
using Crm.Modules.Orders.Features.PlaceOrder;
using Crm.Modules.Orders.Features.PlaceOrdersInBulk;
using Crm.Modules.Orders.IntegrationEventHandlers;
using Crm.Modules.Orders.Privacy;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Privacy;
using FluentValidation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Orders;

/// <summary>The Orders module's registrar: the one public type of the module, called by name from the host.</summary>
public static class OrdersModule
{
    public static IServiceCollection AddOrdersModule(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<OrdersOptions>()
            .Bind(configuration.GetSection(OrdersOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<OrdersOptions>, OrdersOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CurrencyConverter>();
        services.AddSingleton<OrderFactory>();

        services.AddDocumentCollection<Order>(Order.Collection, c => c
            .UniqueIndex(o => o.SourceKey)
            .Index(o => o.CustomerId)
            .Index(o => o.CustomerEmail));
        services.AddDocumentCollection<OrderCustomer>(OrderCustomer.Collection, c => c
            .Index(x => x.Email));

        services.AddIntegrationEvent<OrderPlacedIntegrationEvent>();
        services.AddIntegrationEvent<OrderStatusChangedIntegrationEvent>();
        services.AddIntegrationEventHandler<CustomerCreatedIntegrationEvent, CustomerCreatedIntegrationEventHandler>();
        services.AddIntegrationEventHandler<CustomerUpdatedIntegrationEvent, CustomerUpdatedIntegrationEventHandler>();
        services.AddIntegrationEventHandler<CustomerErasedIntegrationEvent, CustomerErasedIntegrationEventHandler>();

        services.AddSingleton<IPersonalDataSource, OrdersPersonalDataSource>();
        services.AddValidatorsFromAssembly(typeof(OrdersModule).Assembly, includeInternalTypes: true);

        services.AddSingleton<ICarterModule, PlaceOrderEndpoint>();
        services.AddSingleton<ICarterModule, PlaceOrdersInBulkEndpoint>();
        services.AddSingleton<ICarterModule, GetOrderEndpoint>();
        services.AddSingleton<ICarterModule, ListCustomerOrdersEndpoint>();
        services.AddSingleton<ICarterModule, ChangeOrderStatusEndpoint>();
        return services;
    }
}
