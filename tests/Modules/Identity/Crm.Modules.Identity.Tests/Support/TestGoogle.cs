using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Identity.SignIn.Google;

namespace Crm.Modules.Identity.Tests.Support;

/// <summary>
/// Stands in for Google: a test RSA key, its JWKS served for Google's certificate URL through the HTTP client hook
/// Google.Apis.Auth offers, and ID tokens signed with that key. Validation itself is Google.Apis.Auth's, untouched.
/// One key for the whole test run, because the library caches certificates per process.
/// </summary>
internal static class TestGoogle
{
    public const string ClientId = "crm-tests.apps.googleusercontent.com";

    public const string Issuer = "https://accounts.google.com";

    private const string KeyId = "crm-test-key";

    private static readonly RSA Key = RSA.Create(2048);

    /// <summary>A different key that claims the same key id: what a forger without Google's key can do.</summary>
    private static readonly RSA ForgerKey = RSA.Create(2048);

    public static GoogleCertificateSource Certificates { get; } = new TestCertificateSource();

    public static string Jwks()
    {
        var parameters = Key.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["alg"] = "RS256",
                ["use"] = "sig",
                ["kid"] = KeyId,
                ["n"] = Base64Url.EncodeToString(parameters.Modulus),
                ["e"] = Base64Url.EncodeToString(parameters.Exponent),
            }),
        }.ToJsonString();
    }

    /// <summary>An ID token as Google issues them; <paramref name="change"/> alters its claims for the refusal cases.</summary>
    public static string IdToken(string email, string subject, Action<JsonObject>? change = null, bool forged = false, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = Issuer,
            ["azp"] = ClientId,
            ["aud"] = ClientId,
            ["sub"] = subject,
            ["email"] = email,
            ["email_verified"] = true,
            ["name"] = "Test Person",
            ["iat"] = now - 10,
            ["exp"] = now + 3600,
        };
        change?.Invoke(payload);
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" };
        var signingInput = $"{Encode(header)}.{Encode(payload)}";
        var signature = (forged ? ForgerKey : Key).SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private sealed class TestCertificateSource : GoogleCertificateSource
    {
        private readonly CertificateClientFactory _factory = new();

        public override global::Google.Apis.Http.IHttpClientFactory HttpClientFactory => _factory;
    }

    private sealed class CertificateClientFactory : global::Google.Apis.Http.HttpClientFactory
    {
        protected override HttpMessageHandler CreateHandler(global::Google.Apis.Http.CreateHttpClientArgs args) => new JwksHandler();
    }

    /// <summary>Answers Google's certificate URL with the test JWKS; any other address is a test bug and fails loudly.</summary>
    private sealed class JwksHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.Host != "www.googleapis.com" || request.RequestUri.AbsolutePath != "/oauth2/v3/certs")
            {
                throw new InvalidOperationException($"Google.Apis.Auth asked for {request.RequestUri}, not Google's certificates.");
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(Jwks(), Encoding.UTF8, "application/json"),
            });
        }
    }
}
