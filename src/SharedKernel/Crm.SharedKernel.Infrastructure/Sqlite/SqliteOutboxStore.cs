using System.Globalization;
using System.Text;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>The outbox table as the dispatcher sees it. Marking goes through the writer like every other write.</summary>
internal sealed class SqliteOutboxStore(SqliteDocumentStore store) : IOutboxStore
{
    public async Task<IReadOnlyList<OutboxMessage>> ReadPendingAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await store.RentReadAsync(cancellationToken).ConfigureAwait(false);
        var command = connection.Command($"""
            SELECT seq, event_id, event_type, aggregate_id, occurred_at, payload
            FROM {SqliteDocumentStore.OutboxTable} WHERE dispatched_at IS NULL ORDER BY seq LIMIT $max
            """);
        command.Parameters.AddWithValue("$max", max);
        var messages = new List<OutboxMessage>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                messages.Add(new OutboxMessage(
                    reader.GetInt64(0),
                    Guid.Parse(reader.GetString(1)),
                    reader.GetString(2),
                    reader.GetString(3),
                    DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
                    reader.GetString(5)));
            }
        }
        catch (SqliteException exception)
        {
            throw SqliteErrors.Map(exception);
        }

        return messages;
    }

    public Task MarkDispatchedAsync(IReadOnlyCollection<long> sequences, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            return Task.CompletedTask;
        }

        var json = new StringBuilder("[");
        foreach (var sequence in sequences)
        {
            json.Append(json.Length > 1 ? "," : string.Empty).Append(sequence.ToString(CultureInfo.InvariantCulture));
        }

        return store.WriteAsync(new MarkDispatchedUnit(json.Append(']').ToString(), cancellationToken));
    }
}
