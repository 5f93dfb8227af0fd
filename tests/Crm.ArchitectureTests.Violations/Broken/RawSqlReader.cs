using Microsoft.Data.Sqlite;

namespace Crm.Modules.Broken;

/// <summary>Breaks "modules do not reference the infrastructure adapters": it opens SQLite itself.</summary>
internal sealed class RawSqlReader
{
    public static long Count(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "select count(*) from customers";
        return (long)command.ExecuteScalar()!;
    }
}
