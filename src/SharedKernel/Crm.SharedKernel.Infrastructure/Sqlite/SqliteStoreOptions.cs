using Microsoft.Extensions.Configuration;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// How durable a commit is. <see cref="Normal"/> (the default, with WAL) survives a process crash but can lose the
/// last commits on power loss or an operating-system crash; <see cref="Full"/> syncs the WAL on every commit.
/// </summary>
public enum SqliteSynchronous
{
    Normal,
    Full,
}

public sealed class SqliteStoreOptions
{
    public const string DefaultPath = "./data/crm.db";

    /// <summary>The database file; its folder is created when missing.</summary>
    public string Path { get; set; } = DefaultPath;

    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>How long a connection waits for a lock held by another process before the store reports itself unavailable.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most sessions committed in one transaction (group commit).</summary>
    public int MaxCommitGroup { get; set; } = 256;

    /// <summary>
    /// Rows per transaction in <c>BulkWriteAsync</c>, and the most rows one group commit takes. Inserts into indexes
    /// on random keys (emails, names) dirty most of those indexes' pages in every transaction, and each dirty page is
    /// written to the WAL once per commit, so fewer, larger transactions write fewer pages per row.
    /// </summary>
    public int BulkBatchSize { get; set; } = 10_000;

    /// <summary>
    /// How much of the file read connections map into memory (0 for none): random reads by id then cost no system
    /// call and share the operating system's cache instead of each connection's own.
    /// </summary>
    public int ReadMmapSizeMiB { get; set; } = 256;

    /// <summary>Page cache of the writer connection, in KiB.</summary>
    public int CacheSizeKiB { get; set; } = 64 * 1024;

    /// <summary>
    /// WAL pages after which the writer checkpoints itself. Checkpoints normally run on a background thread; this
    /// bound only matters when writes never pause long enough for it to catch up.
    /// </summary>
    public int WalBackstopPages { get; set; } = 16_000;

    /// <summary>Reads <c>Storage:Path</c> (relative paths resolve under <paramref name="contentRoot"/>).</summary>
    public static SqliteStoreOptions From(IConfiguration configuration, string? contentRoot = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SqliteStoreOptions();
        var path = configuration["Storage:Path"];
        if (!string.IsNullOrWhiteSpace(path))
        {
            options.Path = path;
        }

        if (Enum.TryParse<SqliteSynchronous>(configuration["Storage:Synchronous"], ignoreCase: true, out var synchronous))
        {
            options.Synchronous = synchronous;
        }

        if (contentRoot is not null && !System.IO.Path.IsPathRooted(options.Path))
        {
            options.Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, options.Path));
        }

        return options;
    }
}
