using System.Net;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Crm.Host.Composition;

/// <summary>
/// What every response is protected by: security headers, CORS for the configured origins only, HTTPS redirection
/// and HSTS outside Development, and forwarded headers from trusted proxies. docs/security.md lists the settings.
/// </summary>
internal static class ProtectionExtensions
{
    /// <summary>The API reference page (ApiExtensions maps Scalar there); it gets its own, looser policy.</summary>
    private const string DocsPath = "/docs";

    /// <summary>
    /// The bundled web app: its own scripts and styles, plus Google Identity Services for sign-in (script, button
    /// styles, the iframe and its calls, per Google's CSP guidance). Inline styles stay allowed because component
    /// libraries inject style elements; inline scripts do not.
    /// </summary>
    private const string AppPolicy =
        "default-src 'self'; " +
        "script-src 'self' https://accounts.google.com/gsi/client; " +
        "style-src 'self' 'unsafe-inline' https://accounts.google.com/gsi/style; " +
        "img-src 'self' data: https://*.googleusercontent.com; " +
        "font-src 'self'; " +
        "connect-src 'self' https://accounts.google.com/gsi/; " +
        "frame-src https://accounts.google.com/gsi/; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Scalar's page at /docs boots from an inline module script and styles itself inline, and loads its fonts from
    /// fonts.scalar.com; its "try it" calls go to this host. The page shows no user data, which is what makes the
    /// inline script acceptable here and nowhere else.
    /// </summary>
    private const string DocsPolicy =
        "default-src 'self'; " +
        "script-src 'self' 'unsafe-inline'; " +
        "style-src 'self' 'unsafe-inline' https://fonts.scalar.com; " +
        "font-src 'self' data: https://fonts.scalar.com; " +
        "img-src 'self' data: blob:; " +
        "connect-src 'self'; " +
        "worker-src 'self' blob:; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    private const string PermissionsPolicy =
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()";

    public static IServiceCollection AddCrmProtection(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var settings = ProtectionSettings.Read(configuration, environment);
        services.AddSingleton(settings);

        // The server's name and version tell an attacker which advisories to try.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options => options.AddServerHeader = false);

        services.AddHsts(options =>
        {
            options.MaxAge = settings.HstsMaxAge;
            options.IncludeSubDomains = settings.HstsIncludeSubDomains;
        });
        if (settings.HttpsPort is { } port)
        {
            services.AddHttpsRedirection(options => options.HttpsPort = port);
        }

        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = settings.ForwardLimit;
            foreach (var proxy in settings.KnownProxies)
            {
                options.KnownProxies.Add(proxy);
            }

            foreach (var network in settings.KnownNetworks)
            {
                options.KnownIPNetworks.Add(network);
            }
        });

        services.AddCors(options => options.AddDefaultPolicy(policy =>
        {
            policy.WithOrigins([.. settings.AllowedOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete)
                .WithHeaders(
                    HeaderNames.Authorization, HeaderNames.ContentType, HeaderNames.Accept, HeaderNames.IfMatch, HeaderNames.IfNoneMatch,
                    IdempotencyOptions.HeaderName, Crm.SharedKernel.Security.CrmAuthenticationSchemes.ApiKeyHeader)
                .WithExposedHeaders(HeaderNames.ETag, HeaderNames.Location, HeaderNames.RetryAfter, IdempotencyOptions.ReplayedHeaderName)
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
            if (settings.AllowCredentials)
            {
                policy.AllowCredentials();
            }
        }));
        return services;
    }

    /// <summary>
    /// First in the pipeline: forwarded headers before anything reads the client's address or scheme, the security
    /// headers before anything can answer, and CORS before authentication so that preflights are answered without a token.
    /// </summary>
    public static WebApplication UseCrmProtection(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<ProtectionSettings>();
        if (settings.ForwardedHeaders)
        {
            app.UseForwardedHeaders();
        }

        app.Use(static (context, next) =>
        {
            // On starting, not now: the exception handler clears the headers of a response it takes over.
            context.Response.OnStarting(static state =>
            {
                AddSecurityHeaders((HttpContext)state);
                return Task.CompletedTask;
            }, context);
            return next(context);
        });

        if (settings.Hsts)
        {
            app.UseHsts();
        }

        if (settings.HttpsRedirection)
        {
            app.UseHttpsRedirection();
        }

        if (settings.AllowedOrigins.Count > 0)
        {
            app.UseCors();
        }

        return app;
    }

    private static readonly StringValues NoSniff = "nosniff";
    private static readonly StringValues Deny = "DENY";
    private static readonly StringValues Referrer = "strict-origin-when-cross-origin";
    private static readonly StringValues Opener = "same-origin-allow-popups";
    private static readonly StringValues Resource = "same-origin";
    private static readonly StringValues Permissions = PermissionsPolicy;
    private static readonly StringValues App = AppPolicy;
    private static readonly StringValues Docs = DocsPolicy;
    private static readonly StringValues NoStore = "no-store";

    private static void AddSecurityHeaders(HttpContext context)
    {
        var request = context.Request;
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = NoSniff;
        headers.XFrameOptions = Deny;
        headers["Referrer-Policy"] = Referrer;
        headers["Permissions-Policy"] = Permissions;

        // Google's sign-in popup must be able to answer the page that opened it.
        headers["Cross-Origin-Opener-Policy"] = Opener;
        headers["Cross-Origin-Resource-Policy"] = Resource;
        headers.ContentSecurityPolicy = request.Path.StartsWithSegments(DocsPath, StringComparison.OrdinalIgnoreCase) ? Docs : App;

        // API answers carry customers' data: no browser or proxy keeps a copy unless an endpoint says otherwise.
        if (request.Path.StartsWithSegments(ApiExtensions.ApiPrefix, StringComparison.OrdinalIgnoreCase)
            && !headers.ContainsKey(HeaderNames.CacheControl))
        {
            headers.CacheControl = NoStore;
        }
    }
}

/// <summary>The protection settings, read once at start-up; a wrong one stops start-up naming its key.</summary>
internal sealed record ProtectionSettings(
    IReadOnlyList<string> AllowedOrigins,
    bool AllowCredentials,
    bool HttpsRedirection,
    int? HttpsPort,
    bool Hsts,
    TimeSpan HstsMaxAge,
    bool HstsIncludeSubDomains,
    bool ForwardedHeaders,
    int? ForwardLimit,
    IReadOnlyList<IPAddress> KnownProxies,
    IReadOnlyList<System.Net.IPNetwork> KnownNetworks)
{
    public static ProtectionSettings Read(IConfiguration configuration, IHostEnvironment environment)
    {
        var secureByDefault = !environment.IsDevelopment();
        var forwarded = configuration.GetSection("ForwardedHeaders");
        return new ProtectionSettings(
            AllowedOrigins: [.. (configuration.GetSection("Cors:AllowedOrigins").Get<string[]>() ?? []).Select(OriginOf)],
            AllowCredentials: configuration.GetValue("Cors:AllowCredentials", false),
            HttpsRedirection: configuration.GetValue("Https:Redirect", secureByDefault),
            HttpsPort: configuration.GetValue<int?>("Https:Port"),
            Hsts: configuration.GetValue("Https:Hsts", secureByDefault),
            HstsMaxAge: configuration.GetValue("Https:HstsMaxAge", TimeSpan.FromDays(365)),
            HstsIncludeSubDomains: configuration.GetValue("Https:HstsIncludeSubDomains", false),
            ForwardedHeaders: forwarded.GetValue("Enabled", false),
            ForwardLimit: forwarded.GetValue<int?>("ForwardLimit", 1),
            KnownProxies: [.. (forwarded.GetSection("KnownProxies").Get<string[]>() ?? []).Select(ProxyOf)],
            KnownNetworks: [.. (forwarded.GetSection("KnownNetworks").Get<string[]>() ?? []).Select(NetworkOf)]);
    }

    /// <summary>An exact origin (scheme, host, optional port): no wildcard, no path, since CORS compares origins verbatim.</summary>
    private static string OriginOf(string value)
    {
        var trimmed = value.Trim().TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || trimmed.Contains('*', StringComparison.Ordinal)
            || !string.Equals(uri.GetLeftPart(UriPartial.Authority), trimmed, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Cors:AllowedOrigins holds '{value}', which is not an exact origin such as https://crm.example.com (no wildcard, no path).");
        }

        return uri.GetLeftPart(UriPartial.Authority);
    }

    private static IPAddress ProxyOf(string value) =>
        IPAddress.TryParse(value.Trim(), out var address)
            ? address
            : throw new InvalidOperationException($"ForwardedHeaders:KnownProxies holds '{value}', which is not an IP address.");

    private static System.Net.IPNetwork NetworkOf(string value) =>
        System.Net.IPNetwork.TryParse(value.Trim(), out var network)
            ? network
            : throw new InvalidOperationException($"ForwardedHeaders:KnownNetworks holds '{value}', which is not a network such as 10.0.0.0/8.");
}
