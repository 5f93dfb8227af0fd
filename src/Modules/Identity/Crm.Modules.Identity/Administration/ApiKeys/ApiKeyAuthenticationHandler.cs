using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.Modules.Identity.Administration.ApiKeys;

internal sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>How stale <see cref="ApiKey.LastUsedAt"/> may get: a busy key writes once per this period, not per call.</summary>
    public TimeSpan LastUsedPrecision { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Authenticates <c>Authorization: ApiKey &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. The caller becomes the key:
/// subject the key id, kind <see cref="CrmPrincipalKinds.ApiKey"/>, one permission claim per permission of the key.
/// </summary>
internal sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IDocumentStore store,
    ApiKeyUsage usage)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, loggerFactory, encoder)
{
    private const string AuthorizationPrefix = "ApiKey ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented();
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (!ApiKeySecret.HasShape(presented))
        {
            ApiKeyTelemetry.Authenticated("malformed");
            return AuthenticateResult.Fail("The API key is malformed.");
        }

        var hash = Secrets.Hash(presented);
        var cancellationToken = Context.RequestAborted;
        ApiKey? key;
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            key = await session.Query<ApiKey>().Where(x => x.Hash == hash).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }

        if (key is null || !Secrets.SameHash(key.Hash, hash))
        {
            ApiKeyTelemetry.Authenticated("unknown");
            LogRefused(Logger, "unknown");
            return AuthenticateResult.Fail("The API key is not valid.");
        }

        if (key.RevokedAt is not null)
        {
            ApiKeyTelemetry.Authenticated("revoked");
            LogRefused(Logger, "revoked");
            return AuthenticateResult.Fail("The API key was revoked.");
        }

        ApiKeyTelemetry.Authenticated("success");
        await usage.RecordAsync(key, OptionsMonitor.Get(Scheme.Name).LastUsedPrecision, cancellationToken).ConfigureAwait(false);
        return AuthenticateResult.Success(new AuthenticationTicket(PrincipalOf(key, Scheme.Name), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "ApiKey";
        return base.HandleChallengeAsync(properties);
    }

    public static ClaimsPrincipal PrincipalOf(ApiKey key, string scheme)
    {
        ArgumentNullException.ThrowIfNull(key);
        List<Claim> claims =
        [
            new(CrmClaimTypes.Subject, key.Id),
            new(CrmClaimTypes.Kind, CrmPrincipalKinds.ApiKey),
            new(CrmClaimTypes.Name, key.Name),
        ];

        // A permission dropped from the vocabulary since the key was made grants nothing.
        claims.AddRange(key.Permissions.Where(Permissions.IsKnown).Select(permission => new Claim(CrmClaimTypes.Permission, permission)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, CrmClaimTypes.Name, CrmClaimTypes.Role));
    }

    private string? Presented()
    {
        var authorization = Request.Headers[HeaderNames.Authorization].ToString();
        if (authorization.StartsWith(AuthorizationPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return authorization[AuthorizationPrefix.Length..].Trim();
        }

        var header = Request.Headers[CrmAuthenticationSchemes.ApiKeyHeader].ToString();
        return string.IsNullOrWhiteSpace(header) ? null : header.Trim();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "An API key was refused ({Reason})")]
    private static partial void LogRefused(ILogger logger, string reason);
}

/// <summary>
/// Records when keys are used without a write per call: a key's time is written when the stored one is older than
/// the precision, and this instance remembers what it wrote so concurrent calls do not all write it.
/// </summary>
internal sealed partial class ApiKeyUsage(IDocumentStore store, TimeProvider time, ILogger<ApiKeyUsage> logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _written = new(StringComparer.Ordinal);

    public async Task RecordAsync(ApiKey key, TimeSpan precision, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var seen = _written.TryGetValue(key.Id, out var written) ? written : (DateTimeOffset?)null;
        var last = seen > key.LastUsedAt || key.LastUsedAt is null ? seen : key.LastUsedAt;
        if (last is { } lastUse && now - lastUse < precision)
        {
            return;
        }

        // Only the caller that swaps the remembered time writes; concurrent ones see it as fresh.
        var claimed = seen is { } previous ? _written.TryUpdate(key.Id, now, previous) : _written.TryAdd(key.Id, now);
        if (!claimed)
        {
            return;
        }

        try
        {
            var session = store.OpenSession();
            await using (session.ConfigureAwait(false))
            {
                session.Patch<ApiKey>(key.Id, patch => patch.Set(x => x.LastUsedAt, now));
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }

            ApiKeyTelemetry.LastUsedWrites.Add(1);
        }
        catch (Exception exception) when (exception is StoreUnavailableException or DocumentConflictException)
        {
            // The call itself is authenticated; a missed last-used time is reported, not a failed request.
            LogNotRecorded(logger, exception, key.Id);
        }
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The last use of API key {KeyId} could not be recorded")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string keyId);
}
