namespace Crm.Host.Demo;

/// <summary>
/// <c>Demo:Seed</c> (customers to create in an empty store; 0, the default, seeds nothing) and <c>Demo:SeedOnly</c>
/// (exit once the seed has settled instead of serving). The command line's <c>--seed-demo N</c> and
/// <c>--seed-only</c> are shorthands for them.
/// </summary>
internal sealed class DemoSeedOptions
{
    public const string Section = "Demo";

    public int Seed { get; set; }

    public bool SeedOnly { get; set; }

    /// <summary>How long the seed waits for the order events to be handled before it says the totals are not final yet.</summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

internal static class DemoSeeding
{
    /// <summary>
    /// Rewrites the shorthands into configuration keys. A bare flag cannot go to the configuration's command-line
    /// reader as it is: it would take the next argument as its value.
    /// </summary>
    public static string[] Arguments(string[] args)
    {
        var rewritten = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seed-demo" when i + 1 < args.Length:
                    rewritten.Add($"--{DemoSeedOptions.Section}:{nameof(DemoSeedOptions.Seed)}={args[++i]}");
                    break;
                case "--seed-only":
                    rewritten.Add($"--{DemoSeedOptions.Section}:{nameof(DemoSeedOptions.SeedOnly)}=true");
                    break;
                default:
                    rewritten.Add(args[i]);
                    break;
            }
        }

        return [.. rewritten];
    }

    /// <summary>The seeder (tests use it directly), and the start-up seed when <c>Demo:Seed</c> asks for one.</summary>
    public static IServiceCollection AddDemoSeeding(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoSeedOptions>().Bind(configuration.GetSection(DemoSeedOptions.Section))
            .Validate(o => o.Seed >= 0, "Demo:Seed must be 0 or more customers")
            .ValidateOnStart();
        services.AddSingleton<DemoSeeder>();
        if (configuration.GetValue<int>($"{DemoSeedOptions.Section}:{nameof(DemoSeedOptions.Seed)}") > 0)
        {
            services.AddHostedService<DemoSeedService>();
        }

        return services;
    }
}

/// <summary>
/// Seeds once the host has started (the event dispatcher then runs, so totals follow), waits for the totals to
/// settle, and then either keeps serving or, with <c>Demo:SeedOnly</c>, stops the host.
/// </summary>
internal sealed partial class DemoSeedService(
    DemoSeeder seeder,
    Microsoft.Extensions.Options.IOptions<DemoSeedOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<DemoSeedService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        try
        {
            await WhenStartedAsync(stoppingToken).ConfigureAwait(false);
            var outcome = await seeder.SeedAsync(settings.Seed, stoppingToken).ConfigureAwait(false);
            if (outcome.Seeded && !await seeder.WaitUntilSettledAsync(outcome, settings.SettleTimeout, stoppingToken).ConfigureAwait(false))
            {
                LogNotSettled(logger, settings.SettleTimeout.TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception exception)
        {
            // A seed that fails leaves a host that serves what it has; with --seed-only the exit code says so.
            LogFailed(logger, exception);
            Environment.ExitCode = 1;
        }

        if (settings.SeedOnly)
        {
            lifetime.StopApplication();
        }
    }

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "Demo seed: the totals had not all settled after {Seconds} s; they follow as the remaining events are handled")]
    private static partial void LogNotSettled(ILogger logger, double seconds);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Error, Message = "Demo seed failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
