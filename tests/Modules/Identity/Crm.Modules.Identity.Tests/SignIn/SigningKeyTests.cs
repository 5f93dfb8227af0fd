using System.Net;
using Crm.Modules.Identity.Tests.Support;

namespace Crm.Modules.Identity.Tests.SignIn;

public sealed class SigningKeyTests
{
    [Test]
    public async Task In_development_without_a_key_one_is_generated_outside_the_repository_readable_by_its_owner_only_and_reused()
    {
        var keyFolder = Directory.CreateTempSubdirectory("crm-dev-key-").FullName;
        var keyPath = Path.Combine(keyFolder, "keys", "dev.pem");
        try
        {
            var database = Path.Combine(keyFolder, "crm.db");
            var password = "a-password-kept-across-restarts";

            // The same key on the next start: a token issued before a restart still opens the API after it.
            string token;
            await using (var before = DevelopmentHost(keyPath, database, password))
            {
                token = (await before.LogInAsync(CrmHostFactory.AdminEmail, password)).GetProperty("accessToken").GetString()!;
            }

            Assert.That(File.Exists(keyPath), Is.True);
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(keyPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            }

            await using var after = DevelopmentHost(keyPath, database, password);
            using var client = after.CreateClientWithToken(token);
            using var response = await client.GetAsync(AuthCalls.Customers);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            Directory.Delete(keyFolder, recursive: true);
        }
    }

    [Test]
    public async Task Outside_development_without_a_key_the_host_refuses_to_start_and_says_what_to_configure()
    {
        await using var factory = new CrmHostFactory()
            .WithSetting("environment", "Production")
            .WithSetting("Auth:Jwt:SigningKey", null);

        var failure = Assert.Catch(() => factory.CreateAnonymousClient());

        Assert.That(failure!.ToString(), Does.Contain("Auth:Jwt:SigningKey"));
    }

    [Test]
    public async Task A_key_that_is_not_P256_stops_the_start()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        await using var factory = new CrmHostFactory().WithSetting("Auth:Jwt:SigningKey", rsa.ExportPkcs8PrivateKeyPem());

        var failure = Assert.Catch(() => factory.CreateAnonymousClient());

        Assert.That(failure!.ToString(), Does.Contain("ECDSA"));
    }

    private static CrmHostFactory DevelopmentHost(string keyPath, string database, string password) => new CrmHostFactory()
        .WithSetting("Auth:Jwt:SigningKey", null)
        .WithSetting("Auth:Jwt:DevelopmentKeyPath", keyPath)
        .WithSetting("Storage:Path", database)
        .WithSetting("Auth:BootstrapAdmin:Password", password);
}
