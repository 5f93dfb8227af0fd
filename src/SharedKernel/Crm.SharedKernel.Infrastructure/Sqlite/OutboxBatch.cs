using System.Globalization;
using System.Text.Json;
using Crm.SharedKernel.Buffers;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Outbox;
using Crm.SharedKernel.Infrastructure.Serialization;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// Several events of one commit in one outbox row. A bulk batch of 5,000 customers made 5,000 outbox rows, each a
/// B-tree insert on the single writer: about a third of the writer's time per customer. One row per commit keeps the
/// events (same order, same ids) and costs one insert. The row's payload is a JSON array of the events with their
/// metadata; <see cref="SqliteOutboxStore"/> expands it into one message per event, numbered
/// <c>row sequence × 2^20 + index</c> so that commit order is kept across rows and inside a row.
/// </summary>
internal static class OutboxBatch
{
    /// <summary>The <c>event_type</c> of a row that holds several events.</summary>
    public const string EventType = "crm.outbox.batch";

    /// <summary>Events one row may hold (2^20): the index part of a message's sequence.</summary>
    public const int MaxEvents = 1 << IndexBits;

    private const int IndexBits = 20;

    public static long Sequence(long row, int index) => (row << IndexBits) | (uint)index;

    public static long RowOf(long sequence) => sequence >> IndexBits;

    /// <summary>Writes <paramref name="entries"/> as one row's payload.</summary>
    public static void Write(PooledBufferWriter buffer, IReadOnlyList<OutboxEntry> entries)
    {
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = CrmJson.Options.Encoder });
        writer.WriteStartArray();
        foreach (var entry in entries)
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, entry.EventId);
            WriteHead(writer, entry.EventType, entry.AggregateId, entry.OccurredAt);
            writer.WriteRawValue(entry.Payload, skipInputValidation: true);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// Writes one element of a row's array with the event serialised in place, the same bytes <see cref="Write"/>
    /// makes of its <see cref="OutboxEntry"/>, without the entry and its payload array.
    /// </summary>
    public static void WriteElement(Utf8JsonWriter writer, IIntegrationEvent integrationEvent)
    {
        var type = integrationEvent.GetType();
        writer.WriteStartObject();
        writer.WriteString("id"u8, integrationEvent.EventId);
        WriteHead(writer, IntegrationEventRegistry.NameOf(type), integrationEvent.AggregateId, CrmJson.FormatUtc(integrationEvent.OccurredAt));
        JsonSerializer.Serialize(writer, integrationEvent, type, CrmJson.Options);
        writer.WriteEndObject();
    }

    private static void WriteHead(Utf8JsonWriter writer, string type, string aggregate, string at)
    {
        writer.WriteString("type"u8, type);
        writer.WriteString("aggregate"u8, aggregate);
        writer.WriteString("at"u8, at);
        writer.WritePropertyName("payload"u8);
    }

    /// <summary>The messages of the batch row <paramref name="row"/>, in the order they were published.</summary>
    public static List<OutboxMessage> Expand(long row, Stream payload)
    {
        using var document = JsonDocument.Parse(payload);
        var index = 0;
        var messages = new List<OutboxMessage>(document.RootElement.GetArrayLength());
        foreach (var element in document.RootElement.EnumerateArray())
        {
            messages.Add(new OutboxMessage(
                Sequence(row, index++),
                element.GetProperty("id"u8).GetGuid(),
                element.GetProperty("type"u8).GetString()!,
                element.GetProperty("aggregate"u8).GetString()!,
                ParseUtc(element.GetProperty("at"u8).GetString()!),
                element.GetProperty("payload"u8).GetRawText()));
        }

        return messages;
    }

    public static DateTimeOffset ParseUtc(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
