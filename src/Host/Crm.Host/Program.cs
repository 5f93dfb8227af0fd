using Crm.Host.Composition;
using Crm.Host.Demo;
using Crm.Modules.AI;
using Crm.Modules.Campaigns;
using Crm.Modules.Customers;
using Crm.Modules.Identity;
using Crm.Modules.Orders;
using Crm.Modules.Segments;
using Crm.SharedKernel.Infrastructure;
using Crm.SharedKernel.Web;

var builder = WebApplication.CreateBuilder(DemoSeeding.Arguments(args));
var configuration = builder.Configuration;

builder.AddCrmLogging().AddCrmObservability();

builder.Services
    .AddCrmHosting(configuration)
    .AddCrmProblemDetails()
    .AddDocumentStore(configuration, builder.Environment.ContentRootPath)
    .AddIntegrationEventDispatcher()
    .AddCrmCaching(configuration)
    .AddCustomersModule(configuration)
    .AddOrdersModule(configuration)
    .AddSegmentsModule(configuration)
    .AddCampaignsModule(configuration)
    .AddAIModule(configuration)
    .AddIdentityModule(configuration)
    .AddCrmAuth()
    .AddCrmMediator()
    .AddCrmApi(configuration)
    .AddCrmProtection(configuration, builder.Environment)
    .AddCrmRateLimiting(configuration)
    .AddCrmHealthChecks(configuration)
    .AddDemoSeeding(configuration);

var app = builder.Build();

app.UseCrmProtection();
app.UseCrmProblemDetails();
app.UseCrmWebApp();
app.UseCrmAuth();
app.MapCrmHealthChecks();
app.MapCrmApi();

app.Run();

/// <summary>The entry point, public so that WebApplicationFactory&lt;Program&gt; can start the host in tests.</summary>
public partial class Program;
