using Crm.SharedKernel.Errors;
using Google.Apis.Auth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Identity.SignIn.Google;

/// <summary>
/// Where Google's signing certificates are fetched from. In production nothing is set and Google.Apis.Auth fetches
/// Google's published keys itself; a test replaces this service with an HTTP client that serves a test key's JWKS for
/// Google's certificate URL, so a token signed by that key goes through exactly the validation a real one does.
/// </summary>
internal class GoogleCertificateSource
{
    public virtual global::Google.Apis.Http.IHttpClientFactory? HttpClientFactory => null;
}

/// <summary>A verified Google identity: the facts sign-in uses from the ID token.</summary>
internal sealed record GoogleIdentity(string Subject, string Email, string? Name);

/// <summary>
/// Verifies Google ID tokens with <see cref="GoogleJsonWebSignature.ValidateAsync(string, GoogleJsonWebSignature.ValidationSettings)"/>:
/// RS256 signature against Google's keys, issuer, audience (the configured client id), expiry and issued-at against
/// the host's clock, and the hosted domain when one is configured. On top of that the email must be verified.
/// </summary>
internal sealed partial class GoogleTokenVerifier(
    IOptions<GoogleSignInOptions> options,
    GoogleCertificateSource certificates,
    TimeProvider time,
    ILogger<GoogleTokenVerifier> logger)
{
    public static readonly Error Invalid = Error.Unauthorized("identity.google_token_invalid", "The Google ID token is not valid for this installation.");

    public static readonly Error NotConfigured = Error.NotFound("identity.google_not_configured", "Google sign-in is not enabled on this installation.");

    public static readonly Error GoogleUnreachable = Error.Unavailable(
        "identity.google_unreachable", "Google's signing keys could not be fetched; try again shortly.", TimeSpan.FromSeconds(30));

    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.ClientId);

    /// <summary>The identity in <paramref name="idToken"/>, or <see cref="Invalid"/> with the reason in <paramref name="reason"/>.</summary>
    public async Task<(Result<GoogleIdentity> Identity, string? Reason)> VerifyAsync(string idToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!IsConfigured)
        {
            return (NotConfigured, "not configured");
        }

        var validation = new GoogleJsonWebSignature.ValidationSettings
        {
            Audience = [settings.ClientId!.Trim()],
            HostedDomain = string.IsNullOrWhiteSpace(settings.HostedDomain) ? null : settings.HostedDomain.Trim(),
            Clock = new TimeProviderClock(time),
            HttpClientFactory = certificates.HttpClientFactory,
        };
        GoogleJsonWebSignature.Payload payload;
        try
        {
            payload = await GoogleJsonWebSignature.ValidateAsync(idToken, validation).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidJwtException invalid)
        {
            LogRefused(logger, invalid.Message);
            return (Invalid, invalid.Message);
        }
        catch (Exception malformed) when (malformed is Newtonsoft.Json.JsonException or FormatException or ArgumentException)
        {
            // Google.Apis.Auth parses before it validates: text that is not a JWT at all surfaces as a parse error.
            LogRefused(logger, "malformed token");
            return (Invalid, "malformed token");
        }
        catch (HttpRequestException unreachable)
        {
            LogUnreachable(logger, unreachable);
            return (GoogleUnreachable, "certificates unreachable");
        }

        if (string.IsNullOrWhiteSpace(payload.Email) || !payload.EmailVerified || string.IsNullOrEmpty(payload.Subject))
        {
            LogRefused(logger, "email missing or not verified");
            return (Invalid, "email missing or not verified");
        }

        return (new GoogleIdentity(payload.Subject, payload.Email.Trim().ToLowerInvariant(), payload.Name), null);
    }

    /// <summary>Google.Apis.Auth's clock, read from the host's <see cref="TimeProvider"/> so expiry follows the same time as the rest of Crm.</summary>
    private sealed class TimeProviderClock(TimeProvider time) : global::Google.Apis.Util.IClock
    {
        public DateTime Now => time.GetLocalNow().DateTime;

        public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "A Google ID token was refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Google's signing certificates could not be fetched")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}
