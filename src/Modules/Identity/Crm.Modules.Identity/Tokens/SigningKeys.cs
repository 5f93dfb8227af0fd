using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Crm.Modules.Identity.Tokens;

/// <summary>
/// The ECDSA P-256 key access tokens are signed with (ES256) and checked against. Configured as PEM in
/// <c>Auth:Jwt:SigningKey</c>; in Development, when none is configured, a key is generated once and kept outside the
/// repository (mode 600) so tokens survive restarts. Anywhere else a missing key stops the host at start.
/// </summary>
internal sealed partial class SigningKeys : IDisposable
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    private const string P256Oid = "1.2.840.10045.3.1.7";

    private readonly ECDsa _key;

    public SigningKeys(IOptions<AuthOptions> options, IHostEnvironment environment, ILogger<SigningKeys> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var settings = options.Value.Jwt;
        _key = ECDsa.Create();
        if (!string.IsNullOrWhiteSpace(settings.SigningKey))
        {
            Import(_key, settings.SigningKey, "Auth:Jwt:SigningKey");
        }
        else if (environment.IsDevelopment())
        {
            var path = settings.DevelopmentKeyPath ?? DefaultDevelopmentKeyPath();
            LoadOrCreate(_key, path);
            LogDevelopmentKey(logger, path);
        }
        else
        {
            _key.Dispose();
            throw new InvalidOperationException(
                "Auth:Jwt:SigningKey is not configured. Outside Development Crm needs an ECDSA P-256 private key in PEM " +
                "(e.g. the environment variable Auth__Jwt__SigningKey); create one with " +
                "'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256'. See docs/identity.md.");
        }

        var keyId = Base64UrlEncoder.Encode(SHA256.HashData(_key.ExportSubjectPublicKeyInfo())[..12]);
        SigningKey = new ECDsaSecurityKey(_key) { KeyId = keyId };
        ValidationKey = new ECDsaSecurityKey(ECDsa.Create(_key.ExportParameters(includePrivateParameters: false))) { KeyId = keyId };
        Credentials = new SigningCredentials(SigningKey, Algorithm);
    }

    public SigningCredentials Credentials { get; }

    public SecurityKey SigningKey { get; }

    /// <summary>The public half only: what validation needs.</summary>
    public SecurityKey ValidationKey { get; }

    public void Dispose() => _key.Dispose();

    private static string DefaultDevelopmentKeyPath()
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root))
        {
            throw new InvalidOperationException(
                "No local application data folder to keep a development signing key in; set Auth:Jwt:SigningKey or Auth:Jwt:DevelopmentKeyPath.");
        }

        return Path.Combine(root, "Crm", "keys", "jwt-es256-development.pem");
    }

    private static void LoadOrCreate(ECDsa key, string path)
    {
        if (File.Exists(path))
        {
            Import(key, File.ReadAllText(path), path);
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var generated = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = generated.ExportPkcs8PrivateKeyPem();
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, file);
            writer.Write(pem);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another host started at the same moment and wrote it first: use theirs.
            Import(key, File.ReadAllText(path), path);
            return;
        }

        key.ImportFromPem(pem);
    }

    private static void Import(ECDsa key, string pem, string source)
    {
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception exception) when (exception is ArgumentException or CryptographicException)
        {
            throw new InvalidOperationException($"The signing key in {source} is not an ECDSA private key in PEM.", exception);
        }

        var parameters = key.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid.Value != P256Oid && parameters.Curve.Oid.FriendlyName is not ("nistP256" or "ECDSA_P256"))
        {
            throw new InvalidOperationException($"The signing key in {source} must be on the P-256 curve (ES256).");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Access tokens are signed with a development key kept at {Path}; configure Auth:Jwt:SigningKey for any other use")]
    private static partial void LogDevelopmentKey(ILogger logger, string path);
}
