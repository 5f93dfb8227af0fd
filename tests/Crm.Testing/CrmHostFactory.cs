using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.SignIn;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Crm.Testing;

/// <summary>
/// The real host over a real SQLite file in its own temp folder. Settings go in through UseSetting so that the
/// composition code, which reads configuration while registering services, sees them. The host starts with a
/// bootstrap admin (a random password per factory) and its own signing key; <see cref="WebApplicationFactory{T}.CreateClient()"/>
/// answers a client signed in as that admin, through the real POST /api/v1/auth/login.
/// </summary>
public sealed class CrmHostFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@crm.test";

    private const string PasswordSetting = "Auth:BootstrapAdmin:Password";

    private readonly Dictionary<string, string?> _settings = new(StringComparer.Ordinal);
    private readonly List<Action<IServiceCollection>> _testServices = [];
    private readonly SemaphoreSlim _signIn = new(1, 1);
    private readonly AsyncLocal<bool> _anonymous = new();
    private string? _adminToken;

    public CrmHostFactory()
    {
        Folder = Directory.CreateTempSubdirectory("crm-host-tests-").FullName;
        _settings["Storage:Path"] = Path.Combine(Folder, "crm.db");
        _settings["Auth:Jwt:SigningKey"] = TestSigningKey.NewPem();
        _settings["Auth:BootstrapAdmin:Email"] = AdminEmail;
        _settings[PasswordSetting] = NewPassword();

        // A long fixture must not outlive its token.
        _settings["Auth:Jwt:AccessTokenMinutes"] = "120";
    }

    public string Folder { get; }

    /// <summary>The PEM of the key this host signs access tokens with, for tests that forge or tamper with tokens.</summary>
    public string SigningKeyPem => _settings["Auth:Jwt:SigningKey"]!;

    /// <summary>
    /// An access token signed with this host's own key, as the host would issue it for <paramref name="userId"/>
    /// with <paramref name="stamp"/> and the Admin's permissions, changed by <paramref name="change"/> first (an
    /// attack test changes the issuer, the times, the claims).
    /// </summary>
    public string MintAccessToken(string userId, int stamp = 0, Action<SecurityTokenDescriptor>? change = null)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(SigningKeyPem);
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [CrmClaimTypes.Subject] = userId,
            [CrmClaimTypes.Kind] = CrmPrincipalKinds.User,
            [CrmClaimTypes.SecurityStamp] = stamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [CrmClaimTypes.Role] = Roles.Admin,
            [CrmClaimTypes.Permission] = Permissions.All.ToArray(),
        };
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = _settings.GetValueOrDefault("Auth:Jwt:Issuer") ?? "crm",
            Audience = _settings.GetValueOrDefault("Auth:Jwt:Audience") ?? "crm-api",
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256),
        };
        change?.Invoke(descriptor);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>The bootstrap admin's password; a second factory over the same database must be given it.</summary>
    public string AdminPassword => _settings[PasswordSetting]!;

    public CrmHostFactory WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public CrmHostFactory WithTestServices(Action<IServiceCollection> configure)
    {
        _testServices.Add(configure);
        return this;
    }

    /// <summary>
    /// Starts the host on a real loopback socket (Kestrel) instead of the in-memory server, for a browser to load
    /// pages from, and answers its address; clients this factory makes afterwards go over that socket too.
    /// </summary>
    public Uri ServeOnLoopback()
    {
        var port = LoopbackPort.Free();
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
        StartServer();
        return new Uri($"http://127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/");
    }

    /// <summary>A client that sends no credentials.</summary>
    public HttpClient CreateAnonymousClient()
    {
        _anonymous.Value = true;
        try
        {
            return CreateClient();
        }
        finally
        {
            _anonymous.Value = false;
        }
    }

    /// <summary>A client with <paramref name="accessToken"/> as its bearer token.</summary>
    public HttpClient CreateClientWithToken(string accessToken)
    {
        var client = CreateAnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>
    /// Creates a user holding <paramref name="role"/> (null: a user waiting for access) through the Identity module's
    /// own hasher and store, and answers a client signed in as them through POST /api/v1/auth/login.
    /// </summary>
    public async Task<HttpClient> CreateClientAsAsync(string? role, string? email = null)
    {
        var user = await CreateUserAsync(role, email);
        var token = await LogInAsync(user.Email, user.Password);
        return CreateClientWithToken(token.GetProperty("accessToken").GetString()!);
    }

    /// <summary>Stores an active local user with a random password.</summary>
    public async Task<TestUser> CreateUserAsync(string? role, string? email = null)
    {
        var password = NewPassword();
        var time = Services.GetRequiredService<TimeProvider>();
        var user = new User
        {
            Id = DocumentId.New(time),
            Email = email ?? $"{(role ?? "waiting").ToLowerInvariant()}-{Guid.NewGuid():N}@crm.test",
            Name = role ?? "Waiting",
            Role = role,
            Status = UserStatus.Active,
            CreatedAt = time.GetUtcNow(),
        };
        user.PasswordHash = Services.GetRequiredService<Passwords>().Hash(user, password);
        var store = Services.GetRequiredService<IDocumentStore>();
        await using var session = store.OpenSession();
        session.Store(user);
        await session.SaveChangesAsync();
        return new TestUser(user.Id, user.Email, password);
    }

    /// <summary>POST /api/v1/auth/login over the test server; fails the test unless it answers 200, and returns the body.</summary>
    public async Task<JsonElement> LogInAsync(string email, string password)
    {
        using var client = Server.CreateClient();
        using var response = await client.PostAsJsonAsync(new Uri("/api/v1/auth/login", UriKind.Relative), new { email, password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), $"Signing in as {email} failed: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>The admin's access token, signed in once per factory.</summary>
    public async Task<string> AdminTokenAsync()
    {
        await _signIn.WaitAsync();
        try
        {
            _adminToken ??= (await LogInAsync(AdminEmail, AdminPassword)).GetProperty("accessToken").GetString();
            return _adminToken!;
        }
        finally
        {
            _signIn.Release();
        }
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        if (_anonymous.Value)
        {
            return;
        }

        // Called once the server runs; the sign-in goes over the test server, not through a client of this factory.
        var token = Task.Run(AdminTokenAsync).GetAwaiter().GetResult();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            foreach (var configure in _testServices)
            {
                configure(services);
            }
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _signIn.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file the engine still closes is left for the OS to clean; the folder is in temp.
        }
    }

    private static string NewPassword() => "pw-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

/// <summary>A user made by <see cref="CrmHostFactory.CreateUserAsync"/>, with the password to sign in with.</summary>
public sealed record TestUser(string Id, string Email, string Password);
