using Carter;
using Crm.Modules.Identity.SignIn.Google.Features.SignInWithGoogle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.Modules.Identity.SignIn.Google;

internal static class GoogleSignInRegistration
{
    public static IServiceCollection AddGoogleSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<GoogleSignInOptions>(configuration.GetSection(GoogleSignInOptions.Section));
        services.TryAddSingleton<GoogleCertificateSource>();
        services.AddSingleton<GoogleTokenVerifier>();
        services.AddSingleton<ICarterModule, SignInWithGoogleEndpoint>();
        return services;
    }
}
