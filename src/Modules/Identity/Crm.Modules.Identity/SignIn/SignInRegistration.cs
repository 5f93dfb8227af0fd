using Carter;
using Crm.Modules.Identity.SignIn.LogIn;
using Crm.Modules.Identity.SignIn.LogOut;
using Crm.Modules.Identity.SignIn.Me;
using Crm.Modules.Identity.SignIn.Refresh;
using Crm.Modules.Identity.SignIn.Setup;
using Crm.Modules.Identity.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Crm.Modules.Identity.SignIn;

internal static class SignInRegistration
{
    /// <summary>Local accounts, Google sign-in, JWT access tokens, rotating refresh tokens, setup of the first admin.</summary>
    public static IServiceCollection AddSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.Jwt.AccessTokenMinutes is > 0 and <= 24 * 60, "Auth:Jwt:AccessTokenMinutes must be between 1 and 1440")
            .Validate(o => o.Jwt.ClockSkewSeconds is >= 0 and <= 300, "Auth:Jwt:ClockSkewSeconds must be between 0 and 300")
            .Validate(o => o.RefreshTokenDays is > 0 and <= 365, "Auth:RefreshTokenDays must be between 1 and 365")
            .Validate(o => o.Lockout.MaxFailures > 0 && o.Lockout.Minutes > 0, "Auth:Lockout:MaxFailures and Auth:Lockout:Minutes must be positive")
            .Validate(o => o.Password.Iterations >= 100_000, "Auth:Password:Iterations must be at least 100000")
            .Validate(o => o.Password.MinLength >= 12, "Auth:Password:MinLength must be at least 12")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Jwt.Issuer) && !string.IsNullOrWhiteSpace(o.Jwt.Audience), "Auth:Jwt:Issuer and Auth:Jwt:Audience must not be empty")
            .ValidateOnStart();
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<Passwords>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<ITokenIssuer>(provider => provider.GetRequiredService<TokenIssuer>());
        services.AddSingleton<SetupCode>();
        services.AddSingleton<FirstAdmin>();
        services.AddSingleton<IHostedService, BootstrapAdmin>();
        services.AddAccessTokenAuthentication();

        services.AddSingleton<ICarterModule, LogInEndpoint>();
        services.AddSingleton<ICarterModule, CompleteSetupEndpoint>();
        services.AddSingleton<ICarterModule, ShowSetupPageEndpoint>();
        services.AddSingleton<ICarterModule, RefreshEndpoint>();
        services.AddSingleton<ICarterModule, LogOutEndpoint>();
        services.AddSingleton<ICarterModule, GetMeEndpoint>();
        return services;
    }
}
