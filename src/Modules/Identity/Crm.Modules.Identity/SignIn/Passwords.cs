using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Identity.SignIn;

/// <summary>
/// Password hashing with ASP.NET Core Identity's hasher: PBKDF2-HMAC-SHA512, 128-bit salt, 256-bit subkey, in its
/// self-describing V3 format, at <see cref="PasswordSettings.Iterations"/> iterations (210,000 by default, OWASP's
/// figure). Hashes made with fewer iterations are upgraded at the next successful sign-in.
/// </summary>
internal sealed class Passwords
{
    private readonly PasswordHasher<User> _hasher;
    private readonly Lazy<string> _decoy;
    private readonly User _nobody = new();

    public Passwords(IOptions<AuthOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MinLength = options.Value.Password.MinLength;
        _hasher = new PasswordHasher<User>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = options.Value.Password.Iterations,
        }));
        _decoy = new Lazy<string>(() => _hasher.HashPassword(_nobody, Guid.NewGuid().ToString("N")));
    }

    public int MinLength { get; }

    public string Hash(User user, string password) => _hasher.HashPassword(user, password);

    public PasswordVerificationResult Verify(User user, string password) =>
        user.PasswordHash is { } hash ? _hasher.VerifyHashedPassword(user, hash, password) : SpendEquivalentWork(password);

    /// <summary>
    /// The work of checking a password against a real hash, for an unknown or locked account, so that the answer's
    /// timing says nothing about whether the account exists.
    /// </summary>
    public PasswordVerificationResult SpendEquivalentWork(string password)
    {
        _hasher.VerifyHashedPassword(_nobody, _decoy.Value, password);
        return PasswordVerificationResult.Failed;
    }

    /// <summary>Email addresses are stored trimmed and lower case; a sign-in compares the same way.</summary>
    public static string NormaliseEmail(string email) => email.Trim().ToLowerInvariant();
}
