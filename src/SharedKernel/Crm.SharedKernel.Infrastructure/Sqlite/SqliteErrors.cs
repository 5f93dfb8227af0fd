using Crm.SharedKernel.Documents;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

internal static class SqliteErrors
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Protocol = 15;
    private const int NotADatabase = 26;
    private const int Constraint = 19;
    private const int ConstraintPrimaryKey = 1555;

    /// <summary>Faults of the engine or its file, as opposed to bugs in a statement.</summary>
    public static bool IsUnavailable(SqliteException exception) => exception.SqliteErrorCode is
        Busy or Locked or ReadOnly or IoError or Corrupt or Full or CantOpen or Protocol or NotADatabase;

    public static Exception Map(SqliteException exception) =>
        IsUnavailable(exception)
            ? new StoreUnavailableException($"The SQLite store is unavailable: {exception.Message}", exception)
            : exception;

    public static bool IsConstraint(SqliteException exception) => exception.SqliteErrorCode == Constraint;

    /// <summary>Turns a constraint failure into the port's conflict, naming the field (never its value).</summary>
    public static DocumentConflictException Conflict(SqliteException exception, CollectionMap map, string id)
    {
        var column = exception.Message;
        var colon = column.LastIndexOf('.');
        column = colon >= 0 ? column[(colon + 1)..].Trim() : column;
        if (exception.SqliteExtendedErrorCode == ConstraintPrimaryKey || column == "id")
        {
            return new DocumentConflictException(
                ConflictKind.DuplicateKey, map.Name, id, null, $"A {map.Name} document with id '{id}' already exists.");
        }

        var index = map.IndexByColumn(column);
        var field = index?.Path.JsonPath[2..] ?? column;
        return new DocumentConflictException(
            ConflictKind.DuplicateKey,
            map.Name,
            id,
            field,
            $"Another {map.Name} document already has the same '{field}' (unique index).");
    }
}
