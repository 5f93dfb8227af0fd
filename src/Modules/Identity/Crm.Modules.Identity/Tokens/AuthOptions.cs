namespace Crm.Modules.Identity.Tokens;

/// <summary>The <c>Auth</c> configuration section: tokens, lockout and the first admin. See docs/identity.md.</summary>
internal sealed class AuthOptions
{
    public const string Section = "Auth";

    public JwtSettings Jwt { get; set; } = new();

    /// <summary>How long a refresh token (and so a sign-in that keeps being used) lives.</summary>
    public int RefreshTokenDays { get; set; } = 7;

    public LockoutSettings Lockout { get; set; } = new();

    public PasswordSettings Password { get; set; } = new();

    public BootstrapAdminSettings BootstrapAdmin { get; set; } = new();
}

internal sealed class JwtSettings
{
    public string Issuer { get; set; } = "crm";

    public string Audience { get; set; } = "crm-api";

    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>
    /// The ECDSA P-256 private key as PEM (PKCS#8 or SEC1). Comes from the environment or a secret store
    /// (<c>Auth__Jwt__SigningKey</c>), never from a file in the repository.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>Where a development key is kept when none is configured; defaults to the user's local app data.</summary>
    public string? DevelopmentKeyPath { get; set; }

    /// <summary>Tolerance for clocks that disagree, on expiry and not-before.</summary>
    public int ClockSkewSeconds { get; set; } = 30;
}

internal sealed class LockoutSettings
{
    public int MaxFailures { get; set; } = 5;

    public int Minutes { get; set; } = 15;
}

internal sealed class PasswordSettings
{
    /// <summary>PBKDF2-HMAC-SHA512 iterations of ASP.NET Core Identity's hasher; OWASP asks for at least 210,000.</summary>
    public int Iterations { get; set; } = 210_000;

    public int MinLength { get; set; } = 12;
}

internal sealed class BootstrapAdminSettings
{
    public string? Email { get; set; }

    public string? Password { get; set; }

    public string? Name { get; set; }
}
