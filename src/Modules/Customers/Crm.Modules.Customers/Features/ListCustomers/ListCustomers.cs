using System.Globalization;
using Carter;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Customers.Features.ListCustomers;

/// <summary>
/// The query string as sent, every parameter as text, so that a bad value is a 400 naming the parameter rather
/// than a binding failure.
/// </summary>
internal sealed record ListCustomers(
    string? Q,
    string? City,
    string? Tag,
    string? CreatedFrom,
    string? CreatedTo,
    string? Sort,
    string? Limit,
    string? Next) : IRequest<Result<CustomerPage>>
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 500;

    public static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    public static int? ParseLimit(string? value) =>
        string.IsNullOrWhiteSpace(value) ? DefaultLimit
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit ? limit
        : null;
}

internal sealed record CustomerPage(IReadOnlyList<CustomerResponse> Items, string? Next);

internal sealed class ListCustomersValidator : AbstractValidator<ListCustomers>
{
    public ListCustomersValidator()
    {
        RuleFor(x => x.Q).MaximumLength(254).WithMessage("must be at most 254 characters").OverridePropertyName("q");
        RuleFor(x => x.City).MaximumLength(100).WithMessage("must be at most 100 characters");
        RuleFor(x => x.Tag).MaximumLength(CustomerInputValidator.MaxLabelLength)
            .WithMessage($"must be at most {CustomerInputValidator.MaxLabelLength} characters");
        RuleFor(x => x.CreatedFrom).Must(value => ListCustomers.ParseTime(value) is not null)
            .When(x => !string.IsNullOrWhiteSpace(x.CreatedFrom)).WithMessage("must be an ISO-8601 date or time, e.g. 2025-01-31T00:00:00Z");
        RuleFor(x => x.CreatedTo).Must(value => ListCustomers.ParseTime(value) is not null)
            .When(x => !string.IsNullOrWhiteSpace(x.CreatedTo)).WithMessage("must be an ISO-8601 date or time, e.g. 2025-02-01T00:00:00Z");
        RuleFor(x => x.CreatedTo)
            .Must((request, to) => ListCustomers.ParseTime(to) > ListCustomers.ParseTime(request.CreatedFrom))
            .When(x => ListCustomers.ParseTime(x.CreatedFrom) is not null && ListCustomers.ParseTime(x.CreatedTo) is not null)
            .WithMessage("must be after createdFrom");
        RuleFor(x => x.Sort).Must(sort => CustomerSort.Find(sort) is not null)
            .WithMessage($"must be one of {string.Join(", ", CustomerSort.Names)}");
        RuleFor(x => x.Limit).Must(limit => ListCustomers.ParseLimit(limit) is not null)
            .WithMessage($"must be a whole number from 1 to {ListCustomers.MaxLimit}");
        RuleFor(x => x.Next).Must((request, next) => CursorFits(CustomerCursor.Decode(next!), request.Sort))
            .When(x => !string.IsNullOrEmpty(x.Next)).WithMessage("is not a cursor this list gave out for this sort");
    }

    private static bool CursorFits(CustomerCursor? cursor, string? sortName) =>
        cursor is not null
        && CustomerSort.Find(sortName) is { } sort
        && cursor.Sort == sort.Name
        && (cursor.Key is null || sort.ParseKey(cursor.Key) is not null);
}

internal sealed class ListCustomersHandler(IDocumentStore store) : IRequestHandler<ListCustomers, Result<CustomerPage>>
{
    public async ValueTask<Result<CustomerPage>> Handle(ListCustomers request, CancellationToken cancellationToken)
    {
        var sort = CustomerSort.Find(request.Sort)!;
        var limit = ListCustomers.ParseLimit(request.Limit)!.Value;
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var query = sort.Apply(Filter(session.Query<Customer>(), request));
            if (!string.IsNullOrEmpty(request.Next) && CustomerCursor.Decode(request.Next) is { } cursor)
            {
                query = query.After(sort.ParseKey(cursor.Key), cursor.Id);
            }

            // One row more than asked says whether another page exists without a count.
            var rows = await query.Take(limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
            var page = rows.Take(limit).ToList();
            var next = rows.Count > limit ? new CustomerCursor(sort.Name, sort.KeyOf(page[^1]), page[^1].Id).Encode() : null;
            return new CustomerPage([.. page.Select(customer => customer.ToResponse())], next);
        }
    }

    private static IDocumentQuery<Customer> Filter(IDocumentQuery<Customer> query, ListCustomers request)
    {
        if (Normalise.Text(request.Q)?.ToLowerInvariant() is { } prefix)
        {
            query = query.Where(x => x.NameKey!.StartsWith(prefix) || x.Email.StartsWith(prefix));
        }

        if (Normalise.Text(request.City) is { } city)
        {
            query = query.Where(x => x.Profile.City == city);
        }

        if (Normalise.Text(request.Tag)?.ToLowerInvariant() is { } tag)
        {
            query = query.Where(x => x.Tags.Contains(tag));
        }

        if (ListCustomers.ParseTime(request.CreatedFrom) is { } from)
        {
            query = query.Where(x => x.CreatedAt >= from);
        }

        if (ListCustomers.ParseTime(request.CreatedTo) is { } to)
        {
            query = query.Where(x => x.CreatedAt < to);
        }

        return query;
    }
}

internal sealed class ListCustomersEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersRead)
            .MapGet("/", HandleAsync)
            .WithName("ListCustomers")
            .WithSummary("Customers page by page: q (lower-case prefix of name or email), city, tag, createdFrom/createdTo, sort, limit, next.")
            .Produces<CustomerPage>()
            .ProducesValidationProblem();

    private static async Task<IResult> HandleAsync(
        ISender sender,
        CancellationToken cancellationToken,
        string? q = null,
        string? city = null,
        string? tag = null,
        string? createdFrom = null,
        string? createdTo = null,
        string? sort = null,
        string? limit = null,
        string? next = null)
    {
        var result = await sender.Send(new ListCustomers(q, city, tag, createdFrom, createdTo, sort, limit, next), cancellationToken);
        return result.ToHttpResult(page => TypedResults.Ok(page));
    }
}
