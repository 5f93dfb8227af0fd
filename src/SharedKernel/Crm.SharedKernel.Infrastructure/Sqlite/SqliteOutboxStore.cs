using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Crm.SharedKernel.Infrastructure.Outbox;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// The outbox table as the dispatcher sees it: one message per event, batch rows (<see cref="OutboxBatch"/>)
/// expanded. Marking goes through the writer like every other write; a batch row is marked once every one of its
/// messages has been, so a row half handled when the process stops is read again and its handled events are answered
/// by the inbox.
/// </summary>
internal sealed class SqliteOutboxStore(SqliteDocumentStore store) : IOutboxStore
{
    /// <summary>Messages of each batch row read and not yet marked, by row: the marks wait for all of them.</summary>
    private readonly ConcurrentDictionary<long, BatchMarks> _batches = new();

    public async Task<IReadOnlyList<OutboxMessage>> ReadPendingAsync(int max, CancellationToken cancellationToken)
    {
        using var connection = store.RentRead();
        var command = connection.Command($"""
            SELECT seq, event_id, event_type, aggregate_id, occurred_at, payload
            FROM {SqliteDocumentStore.OutboxTable} WHERE dispatched_at IS NULL ORDER BY seq LIMIT $max
            """);
        command.Parameters.AddWithValue("$max", max);
        var messages = new List<OutboxMessage>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (messages.Count < max && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = reader.GetInt64(0);
                var eventType = reader.GetString(2);
                if (eventType == OutboxBatch.EventType)
                {
                    // A batch row is never split between passes, so a pass may hold more than max messages. Its
                    // payload (megabytes) is parsed from the row's UTF-8 bytes rather than first copied into a string.
                    List<OutboxMessage> batch;
                    await using (var payload = reader.GetStream(5))
                    {
                        batch = OutboxBatch.Expand(row, payload);
                    }

                    _batches.TryAdd(row, new BatchMarks(batch.Count));
                    messages.AddRange(batch);
                    continue;
                }

                messages.Add(new OutboxMessage(
                    OutboxBatch.Sequence(row, 0),
                    Guid.Parse(reader.GetString(1)),
                    eventType,
                    reader.GetString(3),
                    OutboxBatch.ParseUtc(reader.GetString(4)),
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
        var rows = new List<long>();
        foreach (var group in sequences.GroupBy(OutboxBatch.RowOf))
        {
            if (!_batches.TryGetValue(group.Key, out var marks))
            {
                rows.Add(group.Key);
            }
            else if (marks.Mark(group))
            {
                _batches.TryRemove(group.Key, out _);
                rows.Add(group.Key);
            }
        }

        if (rows.Count == 0)
        {
            return Task.CompletedTask;
        }

        var json = new StringBuilder("[");
        foreach (var row in rows)
        {
            json.Append(json.Length > 1 ? "," : string.Empty).Append(row.ToString(CultureInfo.InvariantCulture));
        }

        return store.WriteAsync(new MarkDispatchedUnit(json.Append(']').ToString(), cancellationToken));
    }

    /// <summary>Which messages of one batch row have been marked.</summary>
    private sealed class BatchMarks(int count)
    {
        private readonly HashSet<long> _marked = [];

        /// <summary>Marks <paramref name="sequences"/>; true once every message of the row is marked.</summary>
        public bool Mark(IEnumerable<long> sequences)
        {
            lock (_marked)
            {
                _marked.UnionWith(sequences);
                return _marked.Count >= count;
            }
        }
    }
}
