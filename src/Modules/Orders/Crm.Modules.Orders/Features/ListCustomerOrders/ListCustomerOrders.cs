using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Carter;
using Crm.Modules.Orders.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Validation;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Orders.Features.ListCustomerOrders;

/// <summary>
/// A customer's orders, newest first (by <c>orderedAt</c>). Query values arrive as text so that a malformed one is
/// a 400 naming it, not a binding failure.
/// </summary>
internal sealed record ListCustomerOrders(string? CustomerId, string? Email, string? Limit, string? Next)
    : IRequest<Result<OrderPage>>
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 500;

    public int PageSize => Limit is null ? DefaultLimit : int.Parse(Limit, NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <param name="Next">The cursor of the following page; null on the last page.</param>
internal sealed record OrderPage(IReadOnlyList<OrderResponse> Items, string? Next);

/// <summary>The position after the last order of a page: its <c>orderedAt</c> and id, opaque to clients.</summary>
internal readonly record struct OrderCursor(DateTimeOffset OrderedAt, string Id)
{
    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{OrderedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{Id}"));

    public static OrderCursor? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 256)
        {
            return null;
        }

        try
        {
            var plain = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            var colon = plain.IndexOf(':', StringComparison.Ordinal);
            return colon > 0
                && long.TryParse(plain.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && colon < plain.Length - 1
                ? new OrderCursor(new DateTimeOffset(ticks, TimeSpan.Zero), plain[(colon + 1)..])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

internal sealed class ListCustomerOrdersValidator : AbstractValidator<ListCustomerOrders>
{
    public ListCustomerOrdersValidator()
    {
        RuleFor(x => x.CustomerId)
            .Must((query, _) => !string.IsNullOrWhiteSpace(query.CustomerId) || !string.IsNullOrWhiteSpace(query.Email))
            .WithMessage("customerId or email is required")
            .Must((query, _) => string.IsNullOrWhiteSpace(query.CustomerId) || string.IsNullOrWhiteSpace(query.Email))
            .WithMessage("give customerId or email, not both");

        RuleFor(x => x.Email)
            .Must(email => EmailAddress.IsValid(email!)).WithMessage("is not a valid email address")
            .When(x => !string.IsNullOrWhiteSpace(x.Email));

        RuleFor(x => x.Limit)
            .Must(limit => int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                && value is >= 1 and <= ListCustomerOrders.MaxLimit)
            .WithMessage($"must be a whole number from 1 to {ListCustomerOrders.MaxLimit}")
            .When(x => x.Limit is not null);

        RuleFor(x => x.Next)
            .Must(next => OrderCursor.Decode(next) is not null).WithMessage("is not a cursor this API returned")
            .When(x => x.Next is not null);
    }
}

internal sealed class ListCustomerOrdersHandler(IDocumentStore store) : IRequestHandler<ListCustomerOrders, Result<OrderPage>>
{
    public async ValueTask<Result<OrderPage>> Handle(ListCustomerOrders request, CancellationToken cancellationToken)
    {
        await using var session = store.OpenSession();
        var query = session.Query<Order>();
        if (!string.IsNullOrWhiteSpace(request.CustomerId))
        {
            var customerId = request.CustomerId.Trim();
            var customer = await session.LoadAsync<OrderCustomer>(customerId, cancellationToken).ConfigureAwait(false);
            if (customer is null)
            {
                query = query.Where(o => o.CustomerId == customerId);
            }
            else
            {
                // Orders placed by email just before the customer's creation reached this module carry no id yet.
                var email = customer.Email;
                query = query.Where(o => o.CustomerId == customerId || (o.CustomerId == null && o.CustomerEmail == email));
            }
        }
        else
        {
            var email = CustomerDirectory.NormaliseEmail(request.Email!);
            query = query.Where(o => o.CustomerEmail == email);
        }

        query = query.OrderByDescending(o => o.OrderedAt);
        if (OrderCursor.Decode(request.Next) is { } cursor)
        {
            query = query.After(cursor.OrderedAt, cursor.Id);
        }

        var size = request.PageSize;
        var rows = await query.Take(size + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
        var page = rows.Take(size).Select(OrderResponse.From).ToList();
        var next = rows.Count > size ? new OrderCursor(rows[size - 1].OrderedAt, rows[size - 1].Id).Encode() : null;
        return new OrderPage(page, next);
    }
}

internal sealed class ListCustomerOrdersEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        OrdersRoutes.Group(app, Permissions.OrdersRead)
            .MapGet("", async (
                [FromQuery] string? customerId,
                [FromQuery] string? email,
                [FromQuery] string? limit,
                [FromQuery] string? next,
                ISender sender,
                CancellationToken cancellationToken) =>
            {
                var result = await sender.Send(new ListCustomerOrders(customerId, email, limit, next), cancellationToken).ConfigureAwait(false);
                return result.ToHttpResult(page => TypedResults.Ok(page));
            })
            .WithName("ListCustomerOrders")
            .WithSummary("A customer's orders (by customerId or email), newest first, with cursor paging (limit 1-500, next).")
            .Produces<OrderPage>()
            .ProducesValidationProblem();
}
