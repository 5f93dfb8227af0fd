using System.Diagnostics;
using Carter;
using Crm.Modules.Orders.Contracts;
using Crm.Modules.Orders.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Crm.SharedKernel.Web.Bulk;
using FluentValidation.Results;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Orders.Features.PlaceOrdersInBulk;

/// <summary>
/// Records many orders at once, each row by the rules of a single POST. Invalid rows are reported and the valid ones
/// kept; a row whose source and external id were recorded before (earlier, or higher up in the same call) is a
/// duplicate: reported, not stored, not counted again.
/// </summary>
internal sealed record PlaceOrdersInBulk(IReadOnlyList<BulkRow<OrderInput>> Rows) : IRequest<OrdersBulkResponse>;

/// <summary>
/// The bulk contract every module answers with (<see cref="BulkResponse"/>'s fields), plus the duplicates by row.
/// <see cref="Unchanged"/> counts the duplicates; <see cref="Failed"/> only rows that broke a rule; orders are never
/// updated by a bulk call, so <see cref="Updated"/> is always 0.
/// </summary>
internal sealed record OrdersBulkResponse(
    int Received,
    int Inserted,
    int Updated,
    int Unchanged,
    int Failed,
    IReadOnlyList<BulkRowError> Errors,
    IReadOnlyList<BulkRowError> Duplicates);

internal sealed partial class PlaceOrdersInBulkHandler(
    IDocumentStore store,
    OrderFactory factory,
    TimeProvider time,
    IOptions<OrdersOptions> options,
    ILogger<PlaceOrdersInBulkHandler> logger) : IRequestHandler<PlaceOrdersInBulk, OrdersBulkResponse>
{
    /// <summary>Rows checked and written per round: bounds the customer look-ups and the memory of one round.</summary>
    private const int ChunkSize = 10_000;

    private const string DuplicateReason = "duplicate: an order with this source and externalOrderId is recorded already";

    private readonly OrderInputValidator _validator = new(time, options);

    public async ValueTask<OrdersBulkResponse> Handle(PlaceOrdersInBulk request, CancellationToken cancellationToken)
    {
        using var activity = OrdersTelemetry.ActivitySource.StartActivity("orders.bulk");
        var started = Stopwatch.GetTimestamp();
        var errors = new List<BulkRowError>();
        var duplicates = new List<BulkRowError>();
        var failedRows = new HashSet<int>();
        var inserted = 0;

        // The store has one writer: while it writes one chunk, the next is checked and built, so the writer never waits on us.
        Task<ChunkWritten>? writing = null;
        try
        {
            foreach (var chunk in request.Rows.Chunk(ChunkSize))
            {
                var prepared = await PrepareAsync(chunk, errors, failedRows, duplicates, cancellationToken).ConfigureAwait(false);
                if (writing is not null)
                {
                    inserted += Collect(await writing.ConfigureAwait(false), errors, failedRows, duplicates);
                }

                writing = WriteAsync(prepared, cancellationToken);
            }
        }
        catch when (writing is not null)
        {
            // Preparing failed (cancelled, store down) while a write ran: let it end, so no fault goes unobserved.
            await writing.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                .ConfigureAwait(false);
            throw;
        }

        if (writing is not null)
        {
            inserted += Collect(await writing.ConfigureAwait(false), errors, failedRows, duplicates);
        }

        errors.Sort((a, b) => a.Row.CompareTo(b.Row));
        duplicates.Sort((a, b) => a.Row.CompareTo(b.Row));
        var received = request.Rows.Count;
        var failed = failedRows.Count;
        OrdersTelemetry.CountPlaced("bulk", inserted);
        OrdersTelemetry.BulkRows.Add(inserted, new KeyValuePair<string, object?>("crm.orders.outcome", "inserted"));
        OrdersTelemetry.BulkRows.Add(duplicates.Count, new KeyValuePair<string, object?>("crm.orders.outcome", "duplicate"));
        OrdersTelemetry.BulkRows.Add(failed, new KeyValuePair<string, object?>("crm.orders.outcome", "failed"));
        OrdersTelemetry.Duplicates.Add(duplicates.Count);
        OrdersTelemetry.BulkDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        activity?.SetTag("crm.orders.received", received);
        activity?.SetTag("crm.orders.inserted", inserted);
        activity?.SetTag("crm.orders.duplicates", duplicates.Count);
        activity?.SetTag("crm.orders.failed", failed);
        LogBulk(logger, received, inserted, duplicates.Count, failed);

        return new OrdersBulkResponse(received, inserted, 0, duplicates.Count, failed, errors, duplicates);
    }

    private static int Collect(ChunkWritten written, List<BulkRowError> errors, HashSet<int> failedRows, List<BulkRowError> duplicates)
    {
        errors.AddRange(written.Errors);
        failedRows.UnionWith(written.Errors.Select(e => e.Row));
        duplicates.AddRange(written.Duplicates);
        return written.Inserted;
    }

    /// <summary>
    /// Checks a chunk's rows and builds their orders; rows that fail are reported and left out. As for a single POST,
    /// a re-sent order is a duplicate even when it could not be recorded today (its customer erased, its rate gone).
    /// </summary>
    private async Task<PreparedChunk> PrepareAsync(
        BulkRow<OrderInput>[] chunk,
        List<BulkRowError> errors,
        HashSet<int> failedRows,
        List<BulkRowError> duplicates,
        CancellationToken cancellationToken)
    {
        // Rules are pure and the validator is thread-safe: check the rows on every core, then report in row order.
        var validations = new ValidationResult?[chunk.Length];
        Parallel.For(0, chunk.Length, i =>
        {
            if (chunk[i].IsValid)
            {
                validations[i] = _validator.Validate(chunk[i].Value!);
            }
        });

        var valid = new List<(int Row, OrderInput Input)>(chunk.Length);
        for (var i = 0; i < chunk.Length; i++)
        {
            var row = chunk[i];
            if (!row.IsValid)
            {
                errors.Add(row.Error ?? new BulkRowError(row.Row, null, "must be a JSON object"));
                failedRows.Add(row.Row);
                continue;
            }

            if (validations[i] is { IsValid: false } validation)
            {
                errors.AddRange(BulkRowErrors.From(row.Row, validation));
                failedRows.Add(row.Row);
                continue;
            }

            valid.Add((row.Row, row.Value));
        }

        CustomerDirectory directory;
        await using (var session = store.OpenSession())
        {
            directory = await CustomerDirectory.LoadAsync(session, valid.Select(v => v.Input), cancellationToken).ConfigureAwait(false);
        }

        var prepared = new PreparedChunk(new List<Order>(valid.Count), new List<int>(valid.Count));
        var refused = new List<(int Row, string SourceKey, Error Error)>();
        var built = new Result<Order>[valid.Count];
        Parallel.For(0, valid.Count, i => built[i] = factory.Create(valid[i].Input, directory));
        for (var i = 0; i < valid.Count; i++)
        {
            var (row, input) = valid[i];
            var created = built[i];
            if (created.IsFailure)
            {
                refused.Add((row, Order.SourceKeyOf(input), created.Error));
                continue;
            }

            prepared.Orders.Add(created.Value);
            prepared.RowOf.Add(row);
        }

        if (refused.Count > 0)
        {
            var holders = await HoldersOfAsync(refused.Select(r => r.SourceKey), cancellationToken).ConfigureAwait(false);
            foreach (var (row, sourceKey, error) in refused)
            {
                if (holders.TryGetValue(sourceKey, out var holder))
                {
                    duplicates.Add(new BulkRowError(row, "externalOrderId", DuplicateReason, holder));
                    continue;
                }

                OrdersTelemetry.CountFailure(error.Code);
                errors.AddRange(BulkRowErrors.From(row, error));
                failedRows.Add(row);
            }
        }

        return prepared;
    }

    private async Task<ChunkWritten> WriteAsync(PreparedChunk chunk, CancellationToken cancellationToken)
    {
        if (chunk.Orders.Count == 0)
        {
            return new ChunkWritten(0, [], []);
        }

        var now = time.GetUtcNow();
        var result = await store.BulkWriteAsync(
            chunk.Orders,
            BulkWriteMode.Insert,
            (order, _) => new OrderPlacedIntegrationEvent(order.ToSnapshot()) { OccurredAt = now },
            cancellationToken).ConfigureAwait(false);

        return result.Errors.Count == 0
            ? new ChunkWritten(result.Inserted, [], [])
            : await ReportRefusedAsync(result, chunk, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Rows the store refused. A clash on the source key is a re-sent order: reported with the id of the order that
    /// holds the key. Anything else (a clash of fresh ids would be a bug) is reported as a failed row.
    /// </summary>
    private async Task<ChunkWritten> ReportRefusedAsync(BulkWriteResult result, PreparedChunk chunk, CancellationToken cancellationToken)
    {
        var holders = await HoldersOfAsync(
            result.Errors.Where(e => e.Kind == ConflictKind.DuplicateKey).Select(e => chunk.Orders[e.Index].SourceKey),
            cancellationToken).ConfigureAwait(false);

        var errors = new List<BulkRowError>();
        var duplicates = new List<BulkRowError>();
        foreach (var error in result.Errors.OrderBy(e => e.Index))
        {
            var order = chunk.Orders[error.Index];
            var row = chunk.RowOf[error.Index];
            if (error.Kind == ConflictKind.DuplicateKey && holders.TryGetValue(order.SourceKey, out var holder))
            {
                duplicates.Add(new BulkRowError(row, "externalOrderId", DuplicateReason, holder));
            }
            else
            {
                errors.Add(new BulkRowError(row, null, "could not be stored; send it again"));
            }
        }

        return new ChunkWritten(result.Inserted, errors, duplicates);
    }

    /// <summary>The ids of the stored orders holding <paramref name="sourceKeys"/>, by source key.</summary>
    private async Task<Dictionary<string, string>> HoldersOfAsync(IEnumerable<string> sourceKeys, CancellationToken cancellationToken)
    {
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var session = store.OpenSession();
        foreach (var batch in sourceKeys.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            var wanted = batch.ToList();
            var found = await session.Query<Order>().Where(o => wanted.Contains(o.SourceKey)).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var order in found)
            {
                holders[order.SourceKey] = order.Id;
            }
        }

        return holders;
    }

    private sealed record PreparedChunk(List<Order> Orders, List<int> RowOf);

    private sealed record ChunkWritten(int Inserted, List<BulkRowError> Errors, List<BulkRowError> Duplicates);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Bulk orders: {Received} received, {Inserted} inserted, {Duplicates} duplicates, {Failed} failed")]
    private static partial void LogBulk(ILogger logger, int received, int inserted, int duplicates, int failed);
}

internal sealed class PlaceOrdersInBulkEndpoint : ICarterModule
{
    /// <summary>100,000 rows of a few hundred bytes each, with room for long item lists.</summary>
    public const long MaxBodyBytes = 256L * 1024 * 1024;

    public void AddRoutes(IEndpointRouteBuilder app) =>
        OrdersRoutes.Group(app, Permissions.OrdersWrite)
            .MapPost("/bulk", async (HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
            {
                var rows = await request.ReadBulkRowsAsync<OrderInput>(cancellationToken: cancellationToken).ConfigureAwait(false);
                if (rows.IsFailure)
                {
                    return rows.Error.ToProblem();
                }

                var response = await sender.Send(new PlaceOrdersInBulk(rows.Value), cancellationToken).ConfigureAwait(false);
                return TypedResults.Ok(response);
            })
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithBodyLimit(MaxBodyBytes)
            .RequireRateLimiting(RateLimitPolicies.Bulk)
            .WithName("PlaceOrdersInBulk")
            .WithSummary("Record up to 100,000 orders (JSON array or NDJSON); invalid rows are reported, valid rows kept, re-sent orders reported as duplicates.")
            .Accepts<OrderInput[]>("application/json", "application/x-ndjson")
            .Produces<OrdersBulkResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}
