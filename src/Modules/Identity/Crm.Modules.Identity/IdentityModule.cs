using Crm.Modules.Identity.Administration;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.SignIn;
using Crm.SharedKernel.Documents;
using FluentValidation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity;

/// <summary>The Identity module's registrar: the one public type of the module, called by name from the host.</summary>
public static class IdentityModule
{
    public static IServiceCollection AddIdentityModule(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddDocumentCollection<User>(User.Collection, c => c
            .UniqueIndex(x => x.Email)
            .Index(x => x.GoogleSubject)
            .Index(x => x.Role));
        services.AddDocumentCollection<RefreshToken>(RefreshToken.Collection, c => c
            .UniqueIndex(x => x.Hash)
            .Index(x => x.FamilyId)
            .Index(x => x.UserId)
            .Index(x => x.ExpiresAt));
        services.AddDocumentCollection<ApiKey>(ApiKey.Collection, c => c
            .UniqueIndex(x => x.Hash)
            .Index(x => x.CreatedAt));
        services.AddDocumentCollection<AuditEntry>(AuditEntry.Collection, c => c
            .Index(x => x.At)
            .Index(x => x.Action)
            .Index(x => x.ActorId)
            .Index(x => x.TargetId));
        services.AddSingleton<IAuditLog, AuditLog>();
        services.AddValidatorsFromAssembly(typeof(IdentityModule).Assembly, includeInternalTypes: true);

        // Sign-in, tokens and the authentication of requests.
        services.AddSignIn(configuration);

        // Users, API keys and the audit log, for admins.
        services.AddAdministration(configuration);
        return services;
    }
}
