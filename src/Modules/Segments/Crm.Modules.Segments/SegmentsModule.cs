using Carter;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Contracts;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Contracts;
using Crm.Modules.Segments.Domain;
using Crm.Modules.Segments.Features.AnalyzeSegment;
using Crm.Modules.Segments.Features.CreateSegment;
using Crm.Modules.Segments.Features.DeleteSegment;
using Crm.Modules.Segments.Features.GetSegment;
using Crm.Modules.Segments.Features.ListSegmentFields;
using Crm.Modules.Segments.Features.ListSegmentMembers;
using Crm.Modules.Segments.Features.ListSegments;
using Crm.Modules.Segments.Features.PreviewSegment;
using Crm.Modules.Segments.Features.UpdateSegment;
using Crm.Modules.Segments.IntegrationEventHandlers;
using Crm.Modules.Segments.Membership;
using Crm.Modules.Segments.Privacy;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Privacy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Crm.Modules.Segments;

/// <summary>The Segments module's registrar: the one public type of the module, called by name from the host.</summary>
public static class SegmentsModule
{
    public static IServiceCollection AddSegmentsModule(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<SegmentsOptions>().Bind(configuration.GetSection(SegmentsOptions.Section));
        services.TryAddSingleton(TimeProvider.System);

        services.AddDocumentCollection<AudienceProfile>(AudienceProfile.Collection, c => c
            .Index(p => p.Email));
        services.AddDocumentCollection<AudienceOrder>(AudienceOrder.Collection, c => c
            .Index(o => o.CustomerId)
            .Index(o => o.CustomerEmail));
        services.AddDocumentCollection<Segment>(Segment.Collection, c => c
            .UniqueIndex(s => s.NameKey));

        services.AddSingleton(provider =>
        {
            var index = new AudienceIndex();
            SegmentsTelemetry.Observe(index);
            return index;
        });
        services.AddSingleton<AudienceReader>();
        services.AddSingleton<SavedSegments>();
        services.AddSingleton<AudienceCopies>();
        services.AddHostedService<AudienceLoader>();
        services.AddHostedService<MembershipTracker>();

        services.AddSingleton<IPersonalDataSource, SegmentsPersonalDataSource>();
        services.AddIntegrationEvent<SegmentMembershipChangedIntegrationEvent>();
        services.AddIntegrationEventHandler<CustomerCreatedIntegrationEvent, CustomerCreatedIntegrationEventHandler>();
        services.AddIntegrationEventHandler<CustomerUpdatedIntegrationEvent, CustomerUpdatedIntegrationEventHandler>();
        services.AddIntegrationEventHandler<CustomerErasedIntegrationEvent, CustomerErasedIntegrationEventHandler>();
        services.AddIntegrationEventHandler<OrderPlacedIntegrationEvent, OrderPlacedIntegrationEventHandler>();
        services.AddIntegrationEventHandler<OrderStatusChangedIntegrationEvent, OrderStatusChangedIntegrationEventHandler>();

        services.AddSingleton<ICarterModule, ListSegmentFieldsEndpoint>();
        services.AddSingleton<ICarterModule, PreviewSegmentEndpoint>();
        services.AddSingleton<ICarterModule, AnalyzeSegmentEndpoint>();
        services.AddSingleton<ICarterModule, CreateSegmentEndpoint>();
        services.AddSingleton<ICarterModule, ListSegmentsEndpoint>();
        services.AddSingleton<ICarterModule, GetSegmentEndpoint>();
        services.AddSingleton<ICarterModule, UpdateSegmentEndpoint>();
        services.AddSingleton<ICarterModule, DeleteSegmentEndpoint>();
        services.AddSingleton<ICarterModule, ListSegmentMembersEndpoint>();
        return services;
    }
}
