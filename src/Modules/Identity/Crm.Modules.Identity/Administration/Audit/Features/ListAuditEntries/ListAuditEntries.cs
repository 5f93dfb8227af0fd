using System.Globalization;
using Carter;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.Audit.Features.ListAuditEntries;

/// <summary>The query as sent, as text, so a bad value is a 400 naming the parameter.</summary>
internal sealed record ListAuditEntries(
    string? Action,
    string? ActorId,
    string? TargetId,
    string? From,
    string? To,
    string? Limit,
    string? Next) : IRequest<Result<AuditPage>>
{
    public static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
}

internal sealed record AuditEntryResponse(
    string Id,
    string Action,
    string? ActorId,
    string? ActorEmail,
    string? TargetId,
    bool Succeeded,
    string? Detail,
    string? IpAddress,
    DateTimeOffset At);

internal sealed record AuditPage(IReadOnlyList<AuditEntryResponse> Items, string? Next);

internal sealed class ListAuditEntriesValidator : AbstractValidator<ListAuditEntries>
{
    public ListAuditEntriesValidator()
    {
        RuleFor(x => x.Action).MaximumLength(64).WithMessage("must be at most 64 characters");
        RuleFor(x => x.ActorId).MaximumLength(64).WithMessage("must be at most 64 characters");
        RuleFor(x => x.TargetId).MaximumLength(64).WithMessage("must be at most 64 characters");
        RuleFor(x => x.From).Must(value => ListAuditEntries.ParseTime(value) is not null)
            .When(x => !string.IsNullOrWhiteSpace(x.From)).WithMessage("must be an ISO-8601 date or time, e.g. 2025-01-31T00:00:00Z");
        RuleFor(x => x.To).Must(value => ListAuditEntries.ParseTime(value) is not null)
            .When(x => !string.IsNullOrWhiteSpace(x.To)).WithMessage("must be an ISO-8601 date or time, e.g. 2025-02-01T00:00:00Z");
        RuleFor(x => x.Limit).Must(limit => PageCursor.ParseLimit(limit) is not null).WithMessage(PageCursor.LimitMessage);
        RuleFor(x => x.Next).Must(next => PageCursor.Decode(next) is { } cursor && ListAuditEntries.ParseTime(cursor.Key) is not null)
            .When(x => !string.IsNullOrEmpty(x.Next)).WithMessage("is not a cursor this list gave out");
    }
}

/// <summary>Newest first; <c>from</c> is inclusive, <c>to</c> exclusive.</summary>
internal sealed class ListAuditEntriesHandler(IDocumentStore store) : IRequestHandler<ListAuditEntries, Result<AuditPage>>
{
    public async ValueTask<Result<AuditPage>> Handle(ListAuditEntries request, CancellationToken cancellationToken)
    {
        var limit = PageCursor.ParseLimit(request.Limit)!.Value;
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var query = session.Query<AuditEntry>();
            if (!string.IsNullOrWhiteSpace(request.Action))
            {
                var action = request.Action.Trim();
                query = query.Where(x => x.Action == action);
            }

            if (!string.IsNullOrWhiteSpace(request.ActorId))
            {
                var actorId = request.ActorId.Trim();
                query = query.Where(x => x.ActorId == actorId);
            }

            if (!string.IsNullOrWhiteSpace(request.TargetId))
            {
                var targetId = request.TargetId.Trim();
                query = query.Where(x => x.TargetId == targetId);
            }

            if (ListAuditEntries.ParseTime(request.From) is { } from)
            {
                query = query.Where(x => x.At >= from);
            }

            if (ListAuditEntries.ParseTime(request.To) is { } to)
            {
                query = query.Where(x => x.At < to);
            }

            query = query.OrderByDescending(x => x.At);
            if (PageCursor.Decode(request.Next) is { } cursor)
            {
                query = query.After(ListAuditEntries.ParseTime(cursor.Key), cursor.Id);
            }

            var rows = await query.Take(limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
            var page = rows.Take(limit).ToList();
            var next = rows.Count > limit
                ? new PageCursor(page[^1].At.ToString("O", CultureInfo.InvariantCulture), page[^1].Id).Encode()
                : null;
            return new AuditPage([.. page.Select(Of)], next);
        }
    }

    private static AuditEntryResponse Of(AuditEntry entry) =>
        new(entry.Id, entry.Action, entry.ActorId, entry.ActorEmail, entry.TargetId, entry.Succeeded, entry.Detail, entry.IpAddress, entry.At);
}

internal sealed class ListAuditEntriesEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.Audit(app)
            .MapGet("/", HandleAsync)
            .WithName("ListAuditEntries")
            .WithSummary("The audit log, newest first: action, actorId, targetId, from (inclusive), to (exclusive), limit, next.")
            .Produces<AuditPage>()
            .ProducesValidationProblem();

    private static async Task<IResult> HandleAsync(
        ISender sender,
        CancellationToken cancellationToken,
        string? action = null,
        string? actorId = null,
        string? targetId = null,
        string? from = null,
        string? to = null,
        string? limit = null,
        string? next = null)
    {
        var result = await sender.Send(new ListAuditEntries(action, actorId, targetId, from, to, limit, next), cancellationToken);
        return result.ToHttpResult(page => TypedResults.Ok(page));
    }
}
