using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Identity.SignIn;

internal static class SignInRegistration
{
    /// <summary>Local accounts, Google sign-in, JWT access tokens, rotating refresh tokens, setup of the first admin.</summary>
    public static IServiceCollection AddSignIn(this IServiceCollection services, IConfiguration configuration) => services;
}
