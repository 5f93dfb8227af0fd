using Carter;
using Crm.Modules.Campaigns.Contracts;
using Crm.Modules.Identity.Administration.ApiKeys;
using Crm.Modules.Identity.Administration.ApiKeys.Features.CreateApiKey;
using Crm.Modules.Identity.Administration.ApiKeys.Features.ListApiKeys;
using Crm.Modules.Identity.Administration.ApiKeys.Features.RevokeApiKey;
using Crm.Modules.Identity.Administration.Audit.Features.ListAuditEntries;
using Crm.Modules.Identity.Administration.Audit.IntegrationEventHandlers;
using Crm.Modules.Identity.Administration.Users.Features.AcceptInvitation;
using Crm.Modules.Identity.Administration.Users.Features.ChangeUserRole;
using Crm.Modules.Identity.Administration.Users.Features.DisableUser;
using Crm.Modules.Identity.Administration.Users.Features.EnableUser;
using Crm.Modules.Identity.Administration.Users.Features.InviteUser;
using Crm.Modules.Identity.Administration.Users.Features.ListUsers;
using Crm.Modules.Identity.SignIn.Google;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.Administration;

internal static class AdministrationRegistration
{
    /// <summary>Users admin endpoints, API keys (and their authentication handler), the audit log and its endpoint, Google sign-in.</summary>
    public static IServiceCollection AddAdministration(this IServiceCollection services, IConfiguration configuration)
    {
        // API keys: the scheme the host's default policy scheme forwards to when a key header is present.
        services.AddSingleton<ApiKeyUsage>();
        services.AddAuthentication()
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(CrmAuthenticationSchemes.ApiKey, displayName: "API key", configureOptions: null);
        services.AddSingleton<ICarterModule, CreateApiKeyEndpoint>();
        services.AddSingleton<ICarterModule, ListApiKeysEndpoint>();
        services.AddSingleton<ICarterModule, RevokeApiKeyEndpoint>();

        // Users.
        services.AddSingleton<ICarterModule, ListUsersEndpoint>();
        services.AddSingleton<ICarterModule, InviteUserEndpoint>();
        services.AddSingleton<ICarterModule, AcceptInvitationEndpoint>();
        services.AddSingleton<ICarterModule, ChangeUserRoleEndpoint>();
        services.AddSingleton<ICarterModule, DisableUserEndpoint>();
        services.AddSingleton<ICarterModule, EnableUserEndpoint>();

        // The audit log, and the lines other modules ask for through events.
        services.AddSingleton<ICarterModule, ListAuditEntriesEndpoint>();
        services.AddIntegrationEventHandler<CampaignActivatedIntegrationEvent, CampaignActivatedIntegrationEventHandler>();

        services.AddGoogleSignIn(configuration);
        return services;
    }
}
