using System.Diagnostics;
using System.Net;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using BulkWriteResult = Crm.SharedKernel.Documents.BulkWriteResult;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>
/// The MongoDB engine of the document port. Commits run as multi-document transactions, so the server must be a
/// replica set member (or mongos); collections and indexes come from the <see cref="DocumentModel"/> on first use.
/// </summary>
internal sealed partial class MongoDocumentStore : IDocumentStore, IOutboxStore, IDisposable
{
    public const string OutboxCollection = "crm.outbox";
    public const string CountersCollection = "crm.counters";

    /// <summary>How long a commit keeps retrying write conflicts and transient errors before giving up.</summary>
    private static readonly TimeSpan TransactionRetryBudget = TimeSpan.FromSeconds(15);

    private static readonly TransactionOptions Transaction = new(
        readConcern: ReadConcern.Snapshot, writeConcern: WriteConcern.WMajority, readPreference: ReadPreference.Primary);

    private readonly DocumentModel _model;
    private readonly MongoStoreOptions _options;
    private readonly MongoClient _client;
    private readonly Dictionary<Type, MongoCollectionBinding> _bindings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private readonly string _hosts;
    private volatile bool _started;

    public MongoDocumentStore(DocumentModel model, MongoStoreOptions options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        MongoConventions.EnsureRegistered();
        _model = model;
        _options = options;
        Time = time;
        _logger = loggerFactory.CreateLogger<MongoDocumentStore>();

        var settings = MongoClientSettings.FromConnectionString(options.ConnectionString);
        settings.ServerSelectionTimeout = options.ServerSelectionTimeout;
        settings.ApplicationName ??= "Crm";
        _hosts = string.Join(", ", settings.Servers.Select(s => $"{s.Host}:{s.Port}"));
        _client = new MongoClient(settings);
        Database = _client.GetDatabase(options.ResolveDatabase());
        Outbox = Database.GetCollection<BsonDocument>(OutboxCollection);
        Counters = Database.GetCollection<BsonDocument>(CountersCollection);
        _bindings = model.Collections.ToDictionary(c => c.DocumentType, c => MongoCollectionBinding.Create(c, Database));
    }

    public TimeProvider Time { get; }

    public IMongoDatabase Database { get; }

    public IMongoCollection<BsonDocument> Outbox { get; }

    private IMongoCollection<BsonDocument> Counters { get; }

    public IDocumentSession OpenSession() => new MongoDocumentSession(this);

    public Task<BulkWriteResult> BulkWriteAsync<T>(
        IReadOnlyList<T> documents,
        BulkWriteMode mode,
        Func<T, BulkRowOutcome, IIntegrationEvent?>? eventFor = null,
        CancellationToken cancellationToken = default)
        where T : class, IDocument =>
        new MongoBulkWriter<T>(this, Binding<T>(), mode, eventFor).WriteAsync(documents, cancellationToken);

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (MongoErrors.IsUnavailable(ex) || ex is MongoException)
        {
            throw Unavailable(ex);
        }
    }

    public MongoCollectionBinding<T> Binding<T>()
        where T : class, IDocument
    {
        if (_bindings.TryGetValue(typeof(T), out var binding))
        {
            return (MongoCollectionBinding<T>)binding;
        }

        // For() explains how to declare an undeclared type; a type declared after the store was built lands below.
        var declared = _model.For(typeof(T));
        throw new InvalidOperationException($"Collection '{declared.Name}' was declared after the document store was built.");
    }

    /// <summary>Checks the server and creates collections and indexes, once; a failure is not remembered, so the next call tries again.</summary>
    public async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            return;
        }

        await _startGate.WaitAsync(cancellationToken);
        try
        {
            if (_started)
            {
                return;
            }

            await StartAsync(cancellationToken);
            _started = true;
        }
        catch (Exception ex) when (MongoErrors.IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
        finally
        {
            _startGate.Release();
        }
    }

    /// <summary>Runs a read with the store's timing, tracing and outage mapping.</summary>
    public async Task<TResult> ReadAsync<TResult>(
        string operation, string collection, Func<CancellationToken, Task<TResult>> read, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken);
        var start = Stopwatch.GetTimestamp();
        using var activity = MongoStoreTelemetry.StartQuery(operation, collection);
        var succeeded = false;
        try
        {
            var result = await read(cancellationToken);
            succeeded = true;
            return result;
        }
        catch (Exception ex) when (MongoErrors.IsUnavailable(ex))
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw Unavailable(ex);
        }
        finally
        {
            MongoStoreTelemetry.RecordQuery(start, operation, collection, succeeded);
        }
    }

    /// <summary>
    /// Runs writes in one client session: inside a transaction when <paramref name="transactional"/>, else as the
    /// single atomic write it is (a lone update needs no transaction and so meets no write conflicts).
    /// </summary>
    public async Task WriteAsync(
        string operation,
        bool transactional,
        int rows,
        Func<IClientSessionHandle, CancellationToken, Task> body,
        CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken);
        var start = Stopwatch.GetTimestamp();
        using var activity = MongoStoreTelemetry.StartCommit(operation);
        var succeeded = false;
        try
        {
            using var session = await _client.StartSessionAsync(cancellationToken: cancellationToken);
            if (transactional)
            {
                await RunTransactionAsync(session, body, cancellationToken);
            }
            else
            {
                await body(session, cancellationToken);
            }

            succeeded = true;
        }
        catch (Exception ex) when (MongoErrors.IsUnavailable(ex))
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw Unavailable(ex);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
        finally
        {
            MongoStoreTelemetry.RecordCommit(start, operation, succeeded, rows);
        }
    }

    /// <summary>
    /// Appends events to the outbox inside <paramref name="session"/>'s transaction. The sequence comes from a counter
    /// document raised in the same transaction: a second committer meets a write conflict and retries after the
    /// first commits, so sequence order is commit order and the dispatcher never sees a gap filled later.
    /// </summary>
    public async Task AppendOutboxAsync(IClientSessionHandle session, IReadOnlyList<IIntegrationEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        var counter = await Counters.FindOneAndUpdateAsync(
            session,
            new BsonDocument("_id", "outbox"),
            new BsonDocument("$inc", new BsonDocument("seq", (long)events.Count)),
            new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After },
            cancellationToken);
        var first = counter["seq"].ToInt64() - events.Count + 1;
        var messages = events.Select((e, i) => new BsonDocument
        {
            { "_id", e.EventId.ToString() },
            { "seq", first + i },
            { "eventId", e.EventId.ToString() },
            { "eventType", IntegrationEventRegistry.NameOf(e.GetType()) },
            { "aggregateId", e.AggregateId },
            { "occurredAt", new BsonDateTime(e.OccurredAt.UtcDateTime) },
            { "payload", MongoOutboxPayload.Serialize(e) },
            { "dispatchedAt", BsonNull.Value },
        });
        try
        {
            await Outbox.InsertManyAsync(session, messages, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (MongoErrors.AsDuplicateKey(ex) is not null)
        {
            throw new DocumentConflictException(
                ConflictKind.DuplicateKey, OutboxCollection, string.Join(", ", events.Select(e => e.EventId)), null,
                "An event with the same id is already in the outbox.");
        }
    }

    public DocumentConflictException DuplicateKeyConflict(MongoCollectionBinding binding, string id, MongoErrors.DuplicateKey duplicate)
    {
        var path = binding.IndexPathOf(duplicate.IndexName);
        var message = path is null
            ? $"{binding.Name} already holds a document with id '{id}'."
            : $"{binding.Name}: another document already holds this value of the unique field '{path}'.";
        return new DocumentConflictException(ConflictKind.DuplicateKey, binding.Name, id, path, message);
    }

    /// <summary>Names the hosts and what the driver saw of each, e.g. "127.0.0.1:27017: Connection refused".</summary>
    public StoreUnavailableException Unavailable(Exception exception)
    {
        if (exception is StoreUnavailableException unavailable)
        {
            return unavailable;
        }

        var seen = _client.Cluster.Description.Servers
            .Where(s => s.HeartbeatException is not null)
            .Select(s => $"{Describe(s.EndPoint)}: {s.HeartbeatException!.GetBaseException().Message}")
            .ToList();
        var problem = exception is TimeoutException
            ? $"no usable server answered within {_options.ServerSelectionTimeout:g}"
            : exception.GetBaseException().Message;
        var detail = seen.Count > 0 ? $" ({string.Join("; ", seen)})" : string.Empty;
        LogUnavailable(_logger, _hosts, exception.GetType().Name);
        return new StoreUnavailableException($"MongoDB at {_hosts} is unavailable: {problem}{detail}.", exception);
    }

    public async Task<IReadOnlyList<OutboxMessage>> ReadPendingAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var documents = await ReadAsync(
            "outbox.read",
            OutboxCollection,
            ct => Outbox.Find(new BsonDocument("dispatchedAt", BsonNull.Value))
                .Sort(new BsonDocument("seq", 1))
                .Limit(max)
                .ToListAsync(ct),
            cancellationToken);
        return documents.Select(d => new OutboxMessage(
            d["seq"].ToInt64(),
            Guid.Parse(d["eventId"].AsString),
            d["eventType"].AsString,
            d["aggregateId"].AsString,
            new DateTimeOffset(d["occurredAt"].ToUniversalTime()),
            d["payload"].AsString)).ToList();
    }

    public async Task MarkDispatchedAsync(IReadOnlyCollection<long> sequences, CancellationToken cancellationToken)
    {
        if (sequences.Count == 0)
        {
            return;
        }

        var filter = new BsonDocument("seq", new BsonDocument("$in", new BsonArray(sequences)));
        var update = new BsonDocument("$set", new BsonDocument("dispatchedAt", new BsonDateTime(Time.GetUtcNow().UtcDateTime)));
        await WriteAsync(
            "outbox.dispatched",
            transactional: false,
            sequences.Count,
            (session, ct) => Outbox.UpdateManyAsync(session, filter, update, cancellationToken: ct),
            cancellationToken);
    }

    public void Dispose()
    {
        _client.Dispose();
        _startGate.Dispose();
    }

    private static string Describe(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "?",
    };

    private async Task RunTransactionAsync(
        IClientSessionHandle session, Func<IClientSessionHandle, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        bool WithinBudget() => Stopwatch.GetElapsedTime(started) < TransactionRetryBudget;

        for (var attempt = 1; ; attempt++)
        {
            session.StartTransaction(Transaction);
            try
            {
                await body(session, cancellationToken);
            }
            catch (Exception ex)
            {
                await AbortQuietlyAsync(session);
                if (ex is MongoException mongo && MongoErrors.IsTransient(mongo) && WithinBudget())
                {
                    await BackOffAsync(attempt, cancellationToken);
                    continue;
                }

                throw;
            }

            try
            {
                await CommitAsync(session, WithinBudget, cancellationToken);
                return;
            }
            catch (MongoException ex) when (MongoErrors.IsTransient(ex) && WithinBudget())
            {
                await BackOffAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>A commit whose outcome the driver could not learn is retried as such; the server makes a repeat a no-op.</summary>
    private static async Task CommitAsync(IClientSessionHandle session, Func<bool> withinBudget, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await session.CommitTransactionAsync(cancellationToken);
                return;
            }
            catch (MongoException ex) when (MongoErrors.IsUnknownCommitResult(ex) && withinBudget())
            {
            }
        }
    }

    private static async Task AbortQuietlyAsync(IClientSessionHandle session)
    {
        if (!session.IsInTransaction)
        {
            return;
        }

        try
        {
            // Not the caller's token: a cancelled commit must still release its locks on the server.
            await session.AbortTransactionAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException)
        {
            // The server ends an abandoned transaction itself (transactionLifetimeLimitSeconds).
        }
    }

    /// <summary>Random, growing pauses keep concurrent committers of one document from colliding in lock step.</summary>
    private Task BackOffAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, Math.Min(100, 4 * attempt) + 1)), Time, cancellationToken);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var hello = await HelloAsync(cancellationToken);
        var isReplicaSetMember = hello.Contains("setName");
        var isRouter = hello.TryGetValue("msg", out var msg) && msg == "isdbgrid";
        if (!isReplicaSetMember && !isRouter)
        {
            throw new StoreUnavailableException(
                $"MongoDB at {_hosts} is a standalone server, and the store commits through multi-document transactions, " +
                "which need a replica set. Start mongod with --replSet rs0, run rs.initiate() once, and add ?replicaSet=rs0 " +
                "to ConnectionStrings:Mongo (a single-member replica set is enough).");
        }

        using var cursor = await Database.ListCollectionNamesAsync(cancellationToken: cancellationToken);
        var existing = (await cursor.ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var wanted = _bindings.Values.Select(b => b.Name).Append(OutboxCollection).Append(CountersCollection);
        foreach (var name in wanted.Where(n => !existing.Contains(n)))
        {
            try
            {
                await Database.CreateCollectionAsync(name, cancellationToken: cancellationToken);
            }
            catch (MongoCommandException ex) when (MongoErrors.IsNamespaceExists(ex))
            {
                // Another host created it first.
            }
        }

        foreach (var binding in _bindings.Values.Where(b => b.Indexes.Count > 0))
        {
            await CreateIndexesAsync(binding.Name, binding.Raw, binding.Indexes, cancellationToken);
        }

        await CreateIndexesAsync(
            OutboxCollection,
            Outbox,
            [new MongoIndex("ux_seq", "seq", Unique: true)],
            cancellationToken);
        await Outbox.Indexes.CreateOneAsync(
            new CreateIndexModel<BsonDocument>(
                new BsonDocument { { "dispatchedAt", 1 }, { "seq", 1 } }, new CreateIndexOptions { Name = "ix_pending" }),
            cancellationToken: cancellationToken);
        LogStarted(_logger, Database.DatabaseNamespace.DatabaseName, _bindings.Count);
    }

    /// <summary>"hello" names the topology; servers before 4.4.2 know it only as "isMaster".</summary>
    private async Task<BsonDocument> HelloAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await Database.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: cancellationToken);
        }
        catch (MongoCommandException ex) when (ex.CodeName == "CommandNotFound")
        {
            return await Database.RunCommandAsync<BsonDocument>(new BsonDocument("isMaster", 1), cancellationToken: cancellationToken);
        }
    }

    private static async Task CreateIndexesAsync(
        string collection, IMongoCollection<BsonDocument> target, IReadOnlyList<MongoIndex> indexes, CancellationToken cancellationToken)
    {
        try
        {
            await target.Indexes.CreateManyAsync(indexes.Select(i => i.ToModel()), cancellationToken);
        }
        catch (MongoCommandException ex) when (ex.CodeName is "IndexOptionsConflict" or "IndexKeySpecsConflict")
        {
            throw new InvalidOperationException(
                $"An index on {collection} exists with other options than declared ({ex.Message}); drop it so the store can create it as declared.",
                ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MongoDB store ready: database {Database}, {Collections} declared collections")]
    private static partial void LogStarted(ILogger logger, string database, int collections);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MongoDB store unavailable at {Hosts}: {Error}")]
    private static partial void LogUnavailable(ILogger logger, string hosts, string error);
}
