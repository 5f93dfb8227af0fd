using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Identity.Domain;
using Crm.Modules.Identity.Tests.Support;
using Crm.SharedKernel.Security;
using Microsoft.IdentityModel.Tokens;

namespace Crm.Modules.Identity.Tests.SignIn;

/// <summary>
/// Forged, altered and stale tokens against a real protected endpoint over HTTP: each is a 401. The first case
/// proves the forging itself works, so that the others fail for the reason they name.
/// </summary>
public sealed class AccessTokenAttackTests : HostFixture
{
    private string _adminId = "";

    [OneTimeSetUp]
    public async Task FindAdmin() => _adminId = (await Factory.UserAsync(CrmHostFactory.AdminEmail)).Id;

    [Test]
    public async Task A_token_minted_with_the_host_key_and_right_claims_is_accepted()
    {
        using var response = await GetCustomersWith(Factory.MintAccessToken(_adminId));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task A_request_without_a_token_is_a_401_problem_with_a_Bearer_challenge()
    {
        using var client = Factory.CreateAnonymousClient();
        using var response = await client.GetAsync(AuthCalls.Customers);

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task An_unsigned_token_with_alg_none_is_refused()
    {
        var valid = Factory.MintAccessToken(_adminId);
        var payload = valid.Split('.')[1];
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");

        using var response = await GetCustomersWith($"{header}.{payload}.");

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task A_token_signed_with_HS256_using_the_public_key_as_the_secret_is_refused()
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(Factory.SigningKeyPem);
        var publicPem = Encoding.UTF8.GetBytes(ecdsa.ExportSubjectPublicKeyInfoPem());

        foreach (var secret in new[] { publicPem, ecdsa.ExportSubjectPublicKeyInfo() })
        {
            var token = Factory.MintAccessToken(_adminId, change: d =>
                d.SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256));
            using var response = await GetCustomersWith(token);

            await response.AssertUnauthorizedAsync();
        }
    }

    [Test]
    public async Task A_token_signed_by_another_ES256_key_is_refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = Factory.MintAccessToken(_adminId, change: d =>
            d.SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(other), SecurityAlgorithms.EcdsaSha256));

        using var response = await GetCustomersWith(token);

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task A_token_from_another_issuer_is_refused()
    {
        using var response = await GetCustomersWith(Factory.MintAccessToken(_adminId, change: d => d.Issuer = "https://evil.example"));

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task A_token_for_another_audience_is_refused()
    {
        using var response = await GetCustomersWith(Factory.MintAccessToken(_adminId, change: d => d.Audience = "some-other-api"));

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task An_expired_token_is_refused()
    {
        var now = DateTime.UtcNow;
        var token = Factory.MintAccessToken(_adminId, change: d =>
        {
            d.IssuedAt = now.AddMinutes(-30);
            d.NotBefore = now.AddMinutes(-30);
            d.Expires = now.AddMinutes(-10);
        });

        using var response = await GetCustomersWith(token);

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task A_token_not_valid_yet_is_refused()
    {
        var now = DateTime.UtcNow;
        var token = Factory.MintAccessToken(_adminId, change: d =>
        {
            d.IssuedAt = now.AddMinutes(10);
            d.NotBefore = now.AddMinutes(10);
            d.Expires = now.AddMinutes(25);
        });

        using var response = await GetCustomersWith(token);

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task A_token_whose_payload_was_changed_after_signing_is_refused()
    {
        // A Viewer's real token, its role raised to Admin with every permission, the signature kept.
        using var viewerClient = await Factory.CreateClientAsAsync(Roles.Viewer);
        var viewerToken = viewerClient.DefaultRequestHeaders.Authorization!.Parameter!;
        var parts = viewerToken.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        payload[CrmClaimTypes.Role] = Roles.Admin;
        payload[CrmClaimTypes.Permission] = new JsonArray([.. Permissions.All.Select(p => JsonValue.Create(p))]);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";

        using var response = await GetCustomersWith(tampered);

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task The_token_of_a_user_disabled_since_it_was_issued_stops_working_at_once()
    {
        using var client = await Factory.CreateClientAsAsync(Roles.Viewer);
        using (var before = await client.GetAsync(AuthCalls.Customers))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var email = await MeEmailAsync(client);
        await Factory.ChangeUserAsync(email, u => u.Status = UserStatus.Disabled);

        using var after = await client.GetAsync(AuthCalls.Customers);
        await after.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task A_token_issued_before_the_security_stamp_changed_is_refused()
    {
        using var client = await Factory.CreateClientAsAsync(Roles.Marketer);
        var email = await MeEmailAsync(client);

        // A role change bumps the stamp: the old token, which still says Marketer, must not be honoured.
        await Factory.ChangeUserAsync(email, u =>
        {
            u.Role = Roles.Viewer;
            u.SecurityStamp++;
        });

        using var response = await client.GetAsync(AuthCalls.Customers);
        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task A_token_of_a_user_who_does_not_exist_is_refused()
    {
        using var response = await GetCustomersWith(Factory.MintAccessToken("no-such-user"));

        await response.AssertUnauthorizedAsync();
    }

    [Test]
    public async Task A_refresh_token_reused_after_rotation_is_refused_and_its_whole_family_dies()
    {
        var user = await Factory.CreateUserAsync(Roles.Viewer);
        using var anonymous = Factory.CreateAnonymousClient();
        var first = await (await anonymous.LogInAsync(user.Email, user.Password)).TokensAsync();
        var second = await (await anonymous.RefreshAsync(first.RefreshToken())).TokensAsync();

        using var reused = await anonymous.RefreshAsync(first.RefreshToken());
        await reused.AssertUnauthorizedAsync();

        using var newest = await anonymous.RefreshAsync(second.RefreshToken());
        await newest.AssertUnauthorizedAsync();

        var audited = await Factory.AuditAsync("refresh_token_reused");
        Assert.That(audited.Select(e => e.ActorId), Does.Contain(user.Id));
    }

    private async Task<HttpResponseMessage> GetCustomersWith(string token)
    {
        using var client = Factory.CreateClientWithToken(token);
        return await client.GetAsync(AuthCalls.Customers);
    }

    private static async Task<string> MeEmailAsync(HttpClient client)
    {
        using var me = await client.GetAsync(AuthCalls.Me);
        Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return (await me.ReadJsonAsync()).GetProperty("email").GetString()!;
    }
}
