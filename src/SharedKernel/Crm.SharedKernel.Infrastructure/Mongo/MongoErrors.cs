using System.Text.RegularExpressions;
using MongoDB.Bson;
using MongoDB.Driver;

namespace Crm.SharedKernel.Infrastructure.Mongo;

/// <summary>Sorts the driver's exceptions into the port's: an outage, a duplicate key, or something else (a bug).</summary>
internal static partial class MongoErrors
{
    public const int DuplicateKeyCode = 11000;
    private const int NamespaceExistsCode = 48;

    public static bool IsUnavailable(Exception exception) => exception is
        TimeoutException
        or MongoConnectionException
        or MongoNotPrimaryException
        or MongoNodeIsRecoveringException
        or MongoExecutionTimeoutException
        or MongoWaitQueueFullException
        or MongoConnectionPoolPausedException
        or MongoIncompatibleDriverException;

    public static bool IsNamespaceExists(MongoCommandException exception) => exception.Code == NamespaceExistsCode;

    public static bool IsTransient(MongoException exception) => exception.HasErrorLabel("TransientTransactionError");

    public static bool IsUnknownCommitResult(MongoException exception) => exception.HasErrorLabel("UnknownTransactionCommitResult");

    /// <summary>The duplicate-key error of a single write, if <paramref name="exception"/> is one.</summary>
    public static DuplicateKey? AsDuplicateKey(Exception exception) => exception switch
    {
        MongoWriteException { WriteError: { Category: ServerErrorCategory.DuplicateKey } error } =>
            new DuplicateKey(IndexNameOf(error.Details, error.Message), error.Message),
        MongoBulkWriteException bulk when bulk.WriteErrors.FirstOrDefault(e => e.Category == ServerErrorCategory.DuplicateKey) is { } error =>
            new DuplicateKey(IndexNameOf(error.Details, error.Message), error.Message),
        MongoCommandException { Code: DuplicateKeyCode } command =>
            new DuplicateKey(IndexNameOf(command.Result, command.Message), command.Message),
        _ => null,
    };

    public static DuplicateKey AsDuplicateKey(MongoDB.Driver.BulkWriteError error) => new(IndexNameOf(error.Details, error.Message), error.Message);

    /// <summary>
    /// The server names the index in the message ("... index: ux_email dup key: ..."); newer servers also send the
    /// key pattern, which is kept as a fallback for a message worded otherwise.
    /// </summary>
    private static string? IndexNameOf(BsonDocument? details, string? message)
    {
        if (message is not null && IndexInMessage().Match(message) is { Success: true } match)
        {
            return match.Groups["name"].Value;
        }

        if (details is not null && details.TryGetValue("keyPattern", out var pattern) && pattern is BsonDocument { ElementCount: 1 } keys)
        {
            return keys.GetElement(0).Name == "_id" ? "_id_" : MongoCollectionBinding.UniqueIndexName(keys.GetElement(0).Name);
        }

        return null;
    }

    [GeneratedRegex(@"index: (?<name>\S+) dup key", RegexOptions.CultureInvariant)]
    private static partial Regex IndexInMessage();

    public sealed record DuplicateKey(string? IndexName, string ServerMessage);
}
