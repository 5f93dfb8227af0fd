using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Crm.Host.Health;
using Crm.Host.RateLimiting;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Crm.Host.Composition;

internal static class RateLimitingExtensions
{
    private const string GlobalPolicy = "global";

    private const char PolicySeparator = '|';

    /// <summary>
    /// ASP.NET Core's rate limiter with a global limit on every /api/v1 call per caller (per client IP address when
    /// anonymous), per-group overrides of it, and the named policies of <see cref="RateLimitPolicies"/>. With
    /// ConnectionStrings:Redis the counts are shared by every host instance; while Redis is unreachable each host
    /// counts alone, and the "rate-limits" health entry says so.
    /// </summary>
    public static IServiceCollection AddCrmRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitSettings>()
            .Bind(configuration.GetSection(RateLimitSettings.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitSettings>, RateLimitSettingsValidation>();
        services.AddSingleton<RateLimitingTelemetry>();
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("Redis")))
        {
            services.AddSingleton<SharedRateLimitCounter>();
        }

        services.AddHealthChecks().AddCheck<RateLimitsHealthCheck>(
            "rate-limits", HealthStatus.Degraded, [HealthExtensions.ReadyTag], HealthExtensions.CheckTimeout);

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<RateLimitSettings>, RateLimitingTelemetry, TimeProvider, IServiceProvider>((options, settings, telemetry, time, provider) =>
                Configure(options, settings.Value, telemetry, time, provider.GetService<SharedRateLimitCounter>()));
        return services;
    }

    /// <summary>
    /// The limiter partitions by caller, so it must run after authentication; and before authorization, so that an
    /// anonymous flood of protected endpoints is limited per IP address before it is turned away.
    /// </summary>
    public static WebApplication UseCrmRateLimiting(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    private static void Configure(
        RateLimiterOptions options, RateLimitSettings settings, RateLimitingTelemetry telemetry, TimeProvider time, SharedRateLimitCounter? shared)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = async (context, _) =>
        {
            var lease = context.Lease;
            telemetry.Rejected(lease.TryGetMetadata(WindowRateLimiter.Policy, out var policy) && policy is not null ? policy : GlobalPolicy);
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : settings.Global.Window;
            await Error.TooManyRequests("rate_limit.exceeded", "Too many requests. Retry after the number of seconds in the Retry-After header.", retryAfter)
                .ToProblem()
                .ExecuteAsync(context.HttpContext)
                .ConfigureAwait(false);
        };

        if (!settings.Enabled)
        {
            options.AddPolicy(RateLimitPolicies.SignIn, _ => RateLimitPartition.GetNoLimiter(string.Empty));
            options.AddPolicy(RateLimitPolicies.Bulk, _ => RateLimitPartition.GetNoLimiter(string.Empty));
            return;
        }

        RateLimitPartition<string> Partition(string policy, string caller, WindowLimit limit) =>
            RateLimitPartition.Get(
                policy + PolicySeparator + caller,
                key => new WindowRateLimiter(policy, RedisKeyOf(key), limit, shared, telemetry, time));

        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (!context.Request.Path.StartsWithSegments(ApiExtensions.ApiPrefix, StringComparison.OrdinalIgnoreCase, out var rest))
            {
                return RateLimitPartition.GetNoLimiter(string.Empty);
            }

            var group = FirstSegment(rest);
            return group is not null && settings.Groups.TryGetValue(group, out var limit)
                ? Partition("group:" + group.ToLowerInvariant(), CallerOf(context), limit)
                : Partition(GlobalPolicy, CallerOf(context), settings.Global);
        });
        options.AddPolicy(RateLimitPolicies.SignIn, context => Partition(RateLimitPolicies.SignIn, ClientAddressOf(context), settings.SignIn));
        options.AddPolicy(RateLimitPolicies.Bulk, context => Partition(RateLimitPolicies.Bulk, CallerOf(context), settings.Bulk));
    }

    /// <summary>The signed-in user or API key; the client's IP address for anonymous calls.</summary>
    private static string CallerOf(HttpContext context) =>
        context.User.SubjectId() is { } subject
            ? (context.User.FindFirst(CrmClaimTypes.Kind)?.Value ?? CrmPrincipalKinds.User) + ":" + subject
            : ClientAddressOf(context);

    /// <summary>
    /// The peer's address, or the client's as a trusted proxy reported it (ForwardedHeaders in docs/security.md). An
    /// IPv6 address counts by its /64: one subscriber usually holds a whole /64 and could otherwise take a fresh
    /// address, and a fresh limit, for every call.
    /// </summary>
    private static string ClientAddressOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "ip:unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return "ip:" + address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return "ip:" + address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return "ip:" + new System.Net.IPAddress(bytes) + "/64";
    }

    private static string? FirstSegment(PathString rest)
    {
        var value = rest.Value;
        if (string.IsNullOrEmpty(value) || value.Length < 2)
        {
            return null;
        }

        var end = value.IndexOf('/', 1);
        return end < 0 ? value[1..] : value[1..end];
    }

    /// <summary>
    /// Partition keys name users and IP addresses; Redis gets a digest of them, so its keys hold no personal data.
    /// The policy stays readable in front, for whoever looks at Redis.
    /// </summary>
    private static string RedisKeyOf(string partition)
    {
        var policy = partition.AsSpan(0, partition.IndexOf(PolicySeparator, StringComparison.Ordinal));
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(partition));
        return string.Concat(policy, ":", Convert.ToHexStringLower(digest, 0, 16));
    }

    private sealed class RateLimitSettingsValidation : IValidateOptions<RateLimitSettings>
    {
        public ValidateOptionsResult Validate(string? name, RateLimitSettings options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
