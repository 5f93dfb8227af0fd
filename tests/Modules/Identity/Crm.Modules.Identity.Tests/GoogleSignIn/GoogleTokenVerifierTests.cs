using System.Text.Json.Nodes;
using Crm.Modules.Identity.SignIn.Google;
using Crm.Modules.Identity.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Identity.Tests.GoogleSignIn;

/// <summary>Google.Apis.Auth's validation of ID tokens, fed by a test key through its certificate-fetching hook.</summary>
public sealed class GoogleTokenVerifierTests
{
    private const string Email = "ann@example.com";

    [Test]
    public async Task A_token_signed_by_the_key_google_publishes_gives_the_person()
    {
        var (identity, _) = await Verifier().VerifyAsync(TestGoogle.IdToken("Ann@Example.com", "g-1"), CancellationToken.None);

        Assert.That(identity.IsSuccess, Is.True, identity.Error?.Message);
        Assert.That(identity.Value, Is.EqualTo(new GoogleIdentity("g-1", Email, "Test Person")));
    }

    [Test]
    public async Task The_issuer_without_https_that_google_also_uses_is_accepted()
    {
        var (identity, _) = await Verifier().VerifyAsync(TestGoogle.IdToken(Email, "g-1", p => p["iss"] = "accounts.google.com"), CancellationToken.None);

        Assert.That(identity.IsSuccess, Is.True, identity.Error?.Message);
    }

    [Test]
    public async Task A_token_for_another_client_id_is_refused() =>
        await AssertRefusedAsync(Verifier(), TestGoogle.IdToken(Email, "g-1", p => p["aud"] = "someone-else.apps.googleusercontent.com"));

    [Test]
    public async Task An_expired_token_is_refused() =>
        await AssertRefusedAsync(Verifier(), TestGoogle.IdToken(Email, "g-1", time: Shifted(TimeSpan.FromHours(-2))));

    [Test]
    public async Task A_token_from_another_issuer_is_refused() =>
        await AssertRefusedAsync(Verifier(), TestGoogle.IdToken(Email, "g-1", p => p["iss"] = "https://evil.example.com"));

    [Test]
    public async Task A_token_signed_by_another_key_under_googles_key_id_is_refused() =>
        await AssertRefusedAsync(Verifier(), TestGoogle.IdToken(Email, "g-1", forged: true));

    [Test]
    public async Task A_token_whose_payload_was_changed_after_signing_is_refused()
    {
        var parts = TestGoogle.IdToken(Email, "g-1").Split('.');
        var other = TestGoogle.IdToken("mallory@example.com", "g-1").Split('.');

        await AssertRefusedAsync(Verifier(), $"{parts[0]}.{other[1]}.{parts[2]}");
    }

    [Test]
    public async Task A_token_of_another_hosted_domain_is_refused_when_one_is_required()
    {
        var verifier = Verifier(hostedDomain: "example.com");

        await AssertRefusedAsync(verifier, TestGoogle.IdToken(Email, "g-1", p => p["hd"] = "other.example"));
        await AssertRefusedAsync(verifier, TestGoogle.IdToken(Email, "g-1"));
        var (identity, _) = await verifier.VerifyAsync(TestGoogle.IdToken(Email, "g-1", p => p["hd"] = "example.com"), CancellationToken.None);
        Assert.That(identity.IsSuccess, Is.True, identity.Error?.Message);
    }

    [Test]
    public async Task A_token_whose_email_google_has_not_verified_is_refused() =>
        await AssertRefusedAsync(Verifier(), TestGoogle.IdToken(Email, "g-1", p => p["email_verified"] = false));

    [TestCase("not.a.token")]
    [TestCase("e30.e30.e30")]
    [TestCase("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.")]
    [TestCase("%%%.%%%.%%%")]
    public async Task Something_that_is_not_a_google_token_is_refused(string token) =>
        await AssertRefusedAsync(Verifier(), token);

    [Test]
    public async Task Without_a_client_id_google_sign_in_is_off()
    {
        var (identity, _) = await Verifier(clientId: "").VerifyAsync(TestGoogle.IdToken(Email, "g-1"), CancellationToken.None);

        Assert.That(identity.Error, Is.EqualTo(GoogleTokenVerifier.NotConfigured));
    }

    private static async Task AssertRefusedAsync(GoogleTokenVerifier verifier, string token)
    {
        var (identity, reason) = await verifier.VerifyAsync(token, CancellationToken.None);

        Assert.That(identity.Error, Is.EqualTo(GoogleTokenVerifier.Invalid));
        Assert.That(reason, Is.Not.Empty);
    }

    private static GoogleTokenVerifier Verifier(string clientId = TestGoogle.ClientId, string? hostedDomain = null) =>
        new(
            Options.Create(new GoogleSignInOptions { ClientId = clientId, HostedDomain = hostedDomain }),
            TestGoogle.Certificates,
            TimeProvider.System,
            NullLogger<GoogleTokenVerifier>.Instance);

    private static TimeProvider Shifted(TimeSpan by) => new ShiftedClock(by);

    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + by;
    }
}
