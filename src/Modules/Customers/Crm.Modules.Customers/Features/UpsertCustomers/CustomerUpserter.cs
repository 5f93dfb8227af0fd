using System.Diagnostics;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Web.Bulk;
using FluentValidation;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.Customers.Features.UpsertCustomers;

/// <summary>One row to upsert: its 1-based number in the caller's input and the fields it gives.</summary>
internal sealed record UpsertRow(int Row, CustomerInput Input);

/// <summary>A chunk of a call's rows: those bound and those that could not be read (both numbered in the whole call).</summary>
internal sealed record UpsertChunk(IReadOnlyList<UpsertRow> Rows, IReadOnlyList<BulkRowError> Unreadable);

/// <summary>What became of a set of rows. Every row is counted once: inserted, updated, unchanged or failed.</summary>
internal sealed record UpsertOutcome(int Received, int Inserted, int Updated, int Unchanged, IReadOnlyList<BulkRowError> Errors)
{
    public int Failed => Errors.Select(e => e.Row).Distinct().Count();
}

/// <summary>
/// The one upsert-by-email engine behind the bulk endpoint and CSV imports. Rows are validated one by one; valid rows
/// are matched to stored customers by email in batches; new customers go in through the store's bulk insert and
/// changed ones through version-guarded session writes, so behavioural data written concurrently by order events
/// is never overwritten with a stale copy: a clash reloads the customer, applies the rows again and retries.
/// Rows with the same email in one call apply in order onto one customer (as if sent one after another) and make
/// one write. Only members a row gives are written (<see cref="CustomerChanges.Apply"/> without replace).
/// </summary>
internal sealed partial class CustomerUpserter(
    IDocumentStore store,
    IValidator<CustomerInput> validator,
    TimeProvider time,
    ILogger<CustomerUpserter> logger)
{
    /// <summary>Emails looked up in one query (one bound JSON array parameter, so no variable limit applies).</summary>
    public const int LookupBatch = 2_000;

    /// <summary>Updates committed in one session; retries after a clash use ever smaller sessions.</summary>
    public const int UpdateBatch = 1_000;

    /// <summary>Customers prepared while the previous chunk is written: one store bulk batch.</summary>
    public const int PipelineChunk = 10_000;

    /// <summary>Rounds of reload-and-retry before a row is reported as lost to concurrent changes.</summary>
    public const int MaxAttempts = 12;

    /// <summary>
    /// Upserts <paramref name="rows"/>. <paramref name="unreadable"/> are rows of the same input that could not even be
    /// read (they are counted as received and failed, and reported with the others, in row order).
    /// </summary>
    public Task<UpsertOutcome> UpsertAsync(
        IReadOnlyList<UpsertRow> rows,
        IReadOnlyCollection<BulkRowError> unreadable,
        string source,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(unreadable);
        return UpsertAsync(Chunks(rows, unreadable), source, cancellationToken);

        static IEnumerable<UpsertChunk> Chunks(IReadOnlyList<UpsertRow> rows, IReadOnlyCollection<BulkRowError> unreadable)
        {
            yield return new UpsertChunk([], [.. unreadable]);
            for (var start = 0; start < rows.Count; start += PipelineChunk)
            {
                yield return new UpsertChunk([.. rows.Skip(start).Take(PipelineChunk)], []);
            }
        }
    }

    /// <summary>
    /// Upserts the rows of <paramref name="chunks"/>, in order. The next chunk is taken (and so bound, by a lazy
    /// sequence) while the store writes the previous one, and a chunk's objects are dropped once it is written, so a
    /// call holds about two chunks of customers however many rows it has.
    /// </summary>
    public async Task<UpsertOutcome> UpsertAsync(IEnumerable<UpsertChunk> chunks, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        using var activity = IngestTelemetry.Source.StartActivity("customers.upsert");
        activity?.SetTag("crm.ingest.source", source);

        var tally = new Tally();
        var now = time.GetUtcNow();
        var pending = new List<CustomerGroup>();
        List<CustomerGroup>? written = null;
        var writing = Task.CompletedTask;
        try
        {
            // First round, pipelined: while the store writes one chunk, the next is read, looked up and prepared.
            foreach (var chunk in chunks)
            {
                tally.Received += chunk.Rows.Count + chunk.Unreadable.Select(e => e.Row).Distinct().Count();
                tally.Errors.AddRange(chunk.Unreadable);
                var groups = chunk.Rows.Count == 0 ? [] : Validate(chunk.Rows, tally.Errors).Values.ToList();
                if (groups.Count == 0)
                {
                    continue;
                }

                await AttachStoredAsync(groups, cancellationToken).ConfigureAwait(false);
                Parallel.ForEach(groups, group => group.Prepare(group.Stored, now, source, time));
                await writing.ConfigureAwait(false);
                tally.Count(written, onlySettled: true);
                DeferBehindRetries(groups, pending);
                written = groups;
                writing = WriteAsync(groups, attempt: 0, now, source, pending, cancellationToken);
            }

            await writing.ConfigureAwait(false);
            tally.Count(written, onlySettled: true);
        }
        finally
        {
            // A failed lookup must not leave a write running unobserved.
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        activity?.SetTag("crm.ingest.rows", tally.Received);
        var retried = pending;
        for (var attempt = 1; attempt < MaxAttempts && pending.Count > 0; attempt++)
        {
            if (attempt > 1)
            {
                // Customers that clash again are being written right now (order events, visits): let that settle
                // before reading them again.
                await Task.Delay(Backoff(attempt), time, cancellationToken).ConfigureAwait(false);
            }

            var write = await RefreshAsync(pending, now, source, cancellationToken).ConfigureAwait(false);
            var retry = new List<CustomerGroup>();
            await WriteAsync(write, attempt, now, source, retry, cancellationToken).ConfigureAwait(false);
            pending = retry;
        }

        foreach (var group in pending)
        {
            group.Lost = true;
            tally.Errors.AddRange(group.Rows.Select(r => new BulkRowError(
                r.Row,
                null,
                "The customer kept changing while this row was applied; send the row again.",
                group.Stored?.Id)));
        }

        tally.Count(retried, onlySettled: false);
        var outcome = tally.Outcome();
        Record(outcome, source, activity);
        return outcome;
    }

    /// <summary>Writes the new and the changed customers of <paramref name="groups"/>; those to try again go to <paramref name="retry"/>.</summary>
    private async Task WriteAsync(
        List<CustomerGroup> groups,
        int attempt,
        DateTimeOffset now,
        string source,
        List<CustomerGroup> retry,
        CancellationToken cancellationToken)
    {
        await InsertAsync([.. groups.Where(g => g.Stored is null)], now, source, retry, cancellationToken).ConfigureAwait(false);
        // After a clash, a smaller session; from the third round one customer per session, so one busy customer
        // cannot keep failing the others.
        var batch = attempt switch { 0 => UpdateBatch, 1 => UpdateBatch / 10, _ => 1 };
        await UpdateAsync([.. groups.Where(g => g.Stored is not null && g.ChangedFields.Count > 0)], batch, now, source, retry, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Validates every row (in parallel: validation is the costliest step before the store and rows are independent)
    /// and groups the valid ones by normalised email, in row order.
    /// </summary>
    private Dictionary<string, CustomerGroup> Validate(IReadOnlyList<UpsertRow> rows, List<BulkRowError> errors)
    {
        var failures = new FluentValidation.Results.ValidationResult?[rows.Count];
        Parallel.ForEach(
            System.Collections.Concurrent.Partitioner.Create(0, rows.Count, Math.Max(256, rows.Count / (4 * Environment.ProcessorCount))),
            range =>
            {
                for (var i = range.Item1; i < range.Item2; i++)
                {
                    var result = validator.Validate(rows[i].Input);
                    failures[i] = result.IsValid ? null : result;
                }
            });

        var groups = new Dictionary<string, CustomerGroup>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (failures[i] is { } failed)
            {
                errors.AddRange(BulkRowErrors.From(row.Row, failed));
                continue;
            }

            var email = Normalise.Email(row.Input.Email!);
            if (!groups.TryGetValue(email, out var group))
            {
                groups[email] = group = new CustomerGroup(email);
            }

            group.Rows.Add(row);
        }

        return groups;
    }

    /// <summary>Finds the stored customer of each group by email, in batches.</summary>
    private async Task AttachStoredAsync(IReadOnlyList<CustomerGroup> groups, CancellationToken cancellationToken)
    {
        await using var session = store.OpenSession();
        for (var start = 0; start < groups.Count; start += LookupBatch)
        {
            var chunk = groups.Skip(start).Take(LookupBatch).ToList();
            var emails = chunk.Select(g => g.Email).ToList();
            var found = await session.Query<Customer>().Where(c => emails.Contains(c.Email)).ToListAsync(cancellationToken).ConfigureAwait(false);
            var byEmail = found.ToDictionary(c => c.Email, StringComparer.Ordinal);
            foreach (var group in chunk)
            {
                group.Stored = byEmail.GetValueOrDefault(group.Email);
            }
        }
    }

    private async Task InsertAsync(
        List<CustomerGroup> inserts,
        DateTimeOffset now,
        string source,
        List<CustomerGroup> retry,
        CancellationToken cancellationToken)
    {
        if (inserts.Count == 0)
        {
            return;
        }

        // The store asks for an insert's event while it serialises the batch, before the writer takes it, and keeps
        // only the event's bytes: built then, the snapshot is garbage at once instead of living until the commit.
        var documents = inserts.Select(g => g.Customer).ToList();
        var result = await store.BulkWriteAsync(documents, BulkWriteMode.Insert, (customer, _) => CustomerEvents.Created(customer, now), cancellationToken)
            .ConfigureAwait(false);

        var raced = new List<CustomerGroup>();
        foreach (var error in result.Errors)
        {
            var group = inserts[error.Index];
            if (error.Kind == ConflictKind.DuplicateKey)
            {
                // Someone stored this email since it was looked up: the rows apply to that customer instead.
                raced.Add(group);
            }
            else
            {
                throw new InvalidOperationException($"The store refused a new customer with {error.Kind}, which an insert of a fresh id cannot cause.");
            }
        }

        if (raced.Count > 0)
        {
            LogRaced(logger, raced.Count);
            Retry(retry, raced);
        }
    }

    private async Task UpdateAsync(
        List<CustomerGroup> updates,
        int batchSize,
        DateTimeOffset now,
        string source,
        List<CustomerGroup> retry,
        CancellationToken cancellationToken)
    {
        for (var start = 0; start < updates.Count; start += batchSize)
        {
            var chunk = updates.GetRange(start, Math.Min(batchSize, updates.Count - start));
            try
            {
                await using var session = store.OpenSession();
                foreach (var group in chunk)
                {
                    var customer = group.Customer;
                    session.Store(customer);
                    session.Publish(CustomerEvents.Updated(customer, [.. group.ChangedFields], now));
                }

                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.VersionMismatch)
            {
                // Nothing of the chunk was written: all of it is read again and re-applied in the next round.
                LogClash(logger, chunk.Count);
                Retry(retry, chunk);
            }
        }
    }

    /// <summary>
    /// Reads the customers of <paramref name="groups"/> again (by id, or by email for new ones and erased ones), applies
    /// their rows onto the fresh copies, and returns those that still need a write.
    /// </summary>
    private async Task<List<CustomerGroup>> RefreshAsync(List<CustomerGroup> groups, DateTimeOffset now, string source, CancellationToken cancellationToken)
    {
        var stored = groups.Where(g => g.Stored is not null).ToList();
        if (stored.Count > 0)
        {
            IReadOnlyDictionary<string, Customer> fresh;
            await using (var session = store.OpenSession())
            {
                fresh = await session.LoadManyAsync<Customer>(stored.Select(g => g.Stored!.Id), cancellationToken).ConfigureAwait(false);
            }

            foreach (var group in stored)
            {
                // A customer erased meanwhile is created again: the rows say the person should be on file.
                group.Stored = fresh.GetValueOrDefault(group.Stored!.Id);
            }
        }

        await AttachStoredAsync([.. groups.Where(g => g.Stored is null)], cancellationToken).ConfigureAwait(false);
        var write = new List<CustomerGroup>(groups.Count);
        foreach (var group in groups)
        {
            group.Prepare(group.Stored, now, source, time);
            if (group.Stored is null || group.ChangedFields.Count > 0)
            {
                write.Add(group);
            }
        }

        return write;
    }

    /// <summary>2, 4, 8 ... up to 100 ms, jittered so that retrying writers do not clash in step.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(100, 1 << (attempt - 1)) * (0.5 + Random.Shared.NextDouble()));

    /// <summary>
    /// Rows of an email whose earlier rows (in an earlier chunk) wait for a retry join those rows instead of being
    /// written now, so the rows of one email still apply in the order sent.
    /// </summary>
    private static void DeferBehindRetries(List<CustomerGroup> groups, List<CustomerGroup> pending)
    {
        if (pending.Count == 0)
        {
            return;
        }

        var waiting = new Dictionary<string, CustomerGroup>(StringComparer.Ordinal);
        foreach (var group in pending)
        {
            waiting.TryAdd(group.Email, group);
        }

        groups.RemoveAll(group =>
        {
            if (!waiting.TryGetValue(group.Email, out var earlier))
            {
                return false;
            }

            earlier.Rows.AddRange(group.Rows);
            return true;
        });
    }

    private static void Retry(List<CustomerGroup> retry, List<CustomerGroup> groups)
    {
        foreach (var group in groups)
        {
            group.Retried = true;
        }

        retry.AddRange(groups);
    }

    private void Record(UpsertOutcome outcome, string source, Activity? activity)
    {
        var tag = new KeyValuePair<string, object?>("crm.ingest.source", source);
        IngestTelemetry.RowsReceived.Add(outcome.Received, tag);
        IngestTelemetry.RowsStored.Add(outcome.Inserted + outcome.Updated + outcome.Unchanged, tag);
        IngestTelemetry.RowsFailed.Add(outcome.Failed, tag);
        CustomersTelemetry.CustomersCreated.Add(outcome.Inserted, new KeyValuePair<string, object?>("crm.customer.source", source));
        activity?.SetTag("crm.ingest.inserted", outcome.Inserted);
        activity?.SetTag("crm.ingest.updated", outcome.Updated);
        activity?.SetTag("crm.ingest.unchanged", outcome.Unchanged);
        activity?.SetTag("crm.ingest.failed", outcome.Failed);
        LogUpserted(logger, source, outcome.Received, outcome.Inserted, outcome.Updated, outcome.Unchanged, outcome.Failed);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Upserted customers from {Source}: {Received} rows, {Inserted} inserted, {Updated} updated, {Unchanged} unchanged, {Failed} failed")]
    private static partial void LogUpserted(ILogger logger, string source, int received, int inserted, int updated, int unchanged, int failed);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "{Count} new customers were stored by others meanwhile; their rows apply as updates")]
    private static partial void LogRaced(ILogger logger, int count);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "A batch of {Count} customer updates clashed with concurrent changes; reloading and retrying")]
    private static partial void LogClash(ILogger logger, int count);

    /// <summary>The running counts of a call: every row is counted once, when its group's write has settled.</summary>
    private sealed class Tally
    {
        public int Received { get; set; }

        public List<BulkRowError> Errors { get; } = [];

        private int _inserted;
        private int _updated;
        private int _unchanged;

        /// <summary>Counts the rows of <paramref name="groups"/>; with <paramref name="onlySettled"/>, not those to retry.</summary>
        public void Count(List<CustomerGroup>? groups, bool onlySettled)
        {
            foreach (var group in groups ?? [])
            {
                if (group.Lost || (onlySettled && group.Retried))
                {
                    continue;
                }

                foreach (var outcome in group.Outcomes)
                {
                    switch (outcome)
                    {
                        case BulkRowOutcome.Inserted:
                            _inserted++;
                            break;
                        case BulkRowOutcome.Updated:
                            _updated++;
                            break;
                        default:
                            _unchanged++;
                            break;
                    }
                }
            }
        }

        public UpsertOutcome Outcome()
        {
            Errors.Sort((a, b) => a.Row.CompareTo(b.Row));
            return new UpsertOutcome(Received, _inserted, _updated, _unchanged, Errors);
        }
    }

    /// <summary>The rows of one email and the customer they make, applied onto the stored one or a new one.</summary>
    private sealed class CustomerGroup(string email)
    {
        public string Email { get; } = email;

        public List<UpsertRow> Rows { get; } = [];

        /// <summary>The stored customer the rows apply to; null when the email is new.</summary>
        public Customer? Stored { get; set; }

        public Customer Customer { get; private set; } = null!;

        public HashSet<string> ChangedFields { get; } = new(StringComparer.Ordinal);

        public List<BulkRowOutcome?> Outcomes { get; } = [];

        public bool Lost { get; set; }

        /// <summary>The first write did not settle the group: it is counted after the retry rounds.</summary>
        public bool Retried { get; set; }

        /// <summary>Applies every row, in order, onto <paramref name="stored"/> or onto a new customer.</summary>
        public void Prepare(Customer? stored, DateTimeOffset now, string source, TimeProvider time)
        {
            Stored = stored;
            Customer = stored ?? new Customer
            {
                Id = Customer is { Version: 0 } unsaved ? unsaved.Id : DocumentId.New(time),
                Email = Email,
                Source = source,
                CreatedAt = now,
                UpdatedAt = now,
            };
            ChangedFields.Clear();
            Outcomes.Clear();
            for (var i = 0; i < Rows.Count; i++)
            {
                var changed = CustomerChanges.Apply(Customer, Rows[i].Input, now, source, replace: false);
                if (stored is not null)
                {
                    // Only an update names its changed fields (in CustomerUpdated); an insert publishes the whole customer.
                    ChangedFields.UnionWith(changed);
                }

                Outcomes.Add(stored is null && i == 0 ? BulkRowOutcome.Inserted : changed.Count > 0 ? BulkRowOutcome.Updated : null);
            }
        }
    }
}
