using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Crm.SharedKernel.Buffers;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Events;
using Crm.SharedKernel.Infrastructure.Serialization;
using Microsoft.Data.Sqlite;

namespace Crm.SharedKernel.Infrastructure.Sqlite;

/// <summary>
/// One batch of a bulk write. The caller serialises the batch into one buffer while the writer commits the previous
/// batch, and for inserts each row's event too, straight into the outbox row's array (<see cref="OutboxBatch"/>), so
/// the events live as bytes rather than as objects while the batch waits for the writer. The writer binds each row's
/// bytes into reused statements; when every row with an event is stored, the array goes in as it is. A refused row
/// is undone by SQLite's statement-level rollback alone, so the other rows stay.
/// </summary>
internal sealed class BulkUnit<T> : WriteUnit
    where T : class, IDocument
{
    private readonly CollectionMap _map;
    private readonly IReadOnlyList<T> _documents;
    private readonly int _start;
    private readonly int _count;
    private readonly BulkWriteMode _mode;
    private readonly Func<T, BulkRowOutcome, IIntegrationEvent?>? _eventFor;
    private readonly PooledBufferWriter _buffer;
    private readonly int[] _ends;
    private readonly long[] _versions;

    // Inserts with events: "[" element ("," element)* "]", element i at [_eventStarts[i], _eventEnds[i]) (empty when
    // row i has no event), and each event's id and time for the row's own columns.
    private readonly PooledBufferWriter? _events;
    private readonly int[]? _eventStarts;
    private readonly int[]? _eventEnds;
    private readonly (Guid Id, DateTimeOffset At)[]? _eventKeys;

    public BulkUnit(
        CollectionMap map,
        IReadOnlyList<T> documents,
        int start,
        int count,
        BulkWriteMode mode,
        Func<T, BulkRowOutcome, IIntegrationEvent?>? eventFor,
        CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        _map = map;
        _documents = documents;
        _start = start;
        _count = count;
        _mode = mode;
        _eventFor = eventFor;
        _ends = new int[count];
        _versions = new long[count];
        _buffer = new PooledBufferWriter(count * 1024);
        if (mode == BulkWriteMode.Insert && eventFor is not null)
        {
            _events = new PooledBufferWriter(count * 1024);
            _eventStarts = new int[count];
            _eventEnds = new int[count];
            _eventKeys = new (Guid, DateTimeOffset)[count];
        }

        Serialize();
    }

    public override int Weight => _count;

    public int Inserted { get; private set; }

    public int Updated { get; private set; }

    public List<BulkWriteError> Errors { get; } = [];

    public override void Execute(WriteContext context)
    {
        Inserted = 0;
        Updated = 0;
        Errors.Clear();
        var statements = context.For(_map);
        var insert = statements.Insert;
        var bytes = _buffer.WrittenSpan;
        var begin = 0;
        var events = new List<OutboxEntry>(_eventFor is null ? 0 : _count);
        for (var i = 0; i < _count; i++)
        {
            var document = _documents[_start + i];
            var end = _ends[i];
            var json = bytes[begin..end];
            begin = end;
            long version;
            try
            {
                if (_mode == BulkWriteMode.Insert)
                {
                    insert.Bind(1, document.Id);
                    insert.BindUtf8(2, json);
                    insert.Execute();
                    version = 1;
                }
                else
                {
                    version = statements.Upsert(document.Id, json);
                }
            }
            catch (SqliteException exception) when (SqliteErrors.IsConstraint(exception))
            {
                var conflict = SqliteErrors.Conflict(exception, _map, document.Id);
                Errors.Add(new BulkWriteError(_start + i, document.Id, conflict.Kind, conflict.Message));
                _versions[i] = 0;
                continue;
            }

            _versions[i] = version;
            var outcome = version == 1 ? BulkRowOutcome.Inserted : BulkRowOutcome.Updated;
            if (outcome == BulkRowOutcome.Inserted)
            {
                Inserted++;
            }
            else
            {
                Updated++;
            }

            if (_events is null && _eventFor?.Invoke(document, outcome) is { } integrationEvent)
            {
                events.Add(OutboxEntry.From(integrationEvent));
            }
        }

        // The batch's events go in as one outbox row (OutboxBatch), after its documents, in row order.
        if (_events is null)
        {
            context.InsertOutbox(events);
        }
        else
        {
            InsertSerialisedEvents(context);
        }
    }

    /// <summary>The outbox row of the stored rows' events: the array as serialised, or rebuilt without refused rows.</summary>
    private void InsertSerialisedEvents(WriteContext context)
    {
        var first = -1;
        var allStored = true;
        for (var i = 0; i < _count; i++)
        {
            if (_eventEnds![i] == _eventStarts![i])
            {
                continue;
            }

            if (_versions[i] == 0)
            {
                allStored = false;
            }
            else if (first < 0)
            {
                first = i;
            }
        }

        if (first < 0)
        {
            return;
        }

        var (id, at) = _eventKeys![first];
        if (allStored)
        {
            context.InsertOutboxBatch(id, at, _events!.WrittenSpan);
            return;
        }

        using var stored = new PooledBufferWriter(_events!.WrittenCount);
        var bytes = _events.WrittenSpan;
        stored.Write("["u8);
        for (var i = 0; i < _count; i++)
        {
            if (_versions[i] != 0 && _eventEnds![i] > _eventStarts![i])
            {
                if (i != first)
                {
                    stored.Write(","u8);
                }

                stored.Write(bytes[_eventStarts[i].._eventEnds[i]]);
            }
        }

        stored.Write("]"u8);
        context.InsertOutboxBatch(id, at, stored.WrittenSpan);
    }

    /// <summary>Returns the batch's buffer to the pool once the writer is done with the unit.</summary>
    public void Release()
    {
        _buffer.Dispose();
        _events?.Dispose();
    }

    public override void Committed()
    {
        for (var i = 0; i < _count; i++)
        {
            if (_versions[i] != 0)
            {
                _documents[_start + i].Version = _versions[i];
            }
        }
    }

    private void Serialize()
    {
        var typeInfo = DocumentJson.TypeInfo<T>();
        using var writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true, Encoder = DocumentJson.Options.Encoder });
        using var eventWriter = _events is null ? null : new Utf8JsonWriter(_events, new JsonWriterOptions { SkipValidation = true, Encoder = CrmJson.Options.Encoder });
        if (_events is not null)
        {
            _events.Write("["u8);
        }

        var anyEvent = false;
        for (var i = 0; i < _count; i++)
        {
            var document = _documents[_start + i];
            ArgumentNullException.ThrowIfNull(document);
            ArgumentException.ThrowIfNullOrEmpty(document.Id);
            JsonSerializer.Serialize(writer, document, typeInfo);
            writer.Flush();
            writer.Reset();
            _ends[i] = _buffer.WrittenCount;
            if (_events is null)
            {
                continue;
            }

            // An insert that is written is always an insert, so its event can be built and serialised here rather
            // than on the single writer thread; it is stored only if the row is.
            if (_eventFor!(document, BulkRowOutcome.Inserted) is { } integrationEvent)
            {
                if (anyEvent)
                {
                    _events.Write(","u8);
                }

                _eventStarts![i] = _events.WrittenCount;
                OutboxBatch.WriteElement(eventWriter!, integrationEvent);
                eventWriter!.Flush();
                eventWriter.Reset();
                _eventEnds![i] = _events.WrittenCount;
                _eventKeys![i] = (integrationEvent.EventId, integrationEvent.OccurredAt);
                anyEvent = true;
            }
            else
            {
                _eventStarts![i] = _eventEnds![i] = _events.WrittenCount;
            }
        }

        if (_events is not null)
        {
            _events.Write("]"u8);
        }
    }
}
