using Carter;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.Users.Features.ListUsers;

/// <summary>The query as sent, as text, so a bad value is a 400 naming the parameter. Role "none" finds users waiting for access.</summary>
internal sealed record ListUsers(string? Role, string? Status, string? Limit, string? Next) : IRequest<Result<UserPage>>
{
    public const string NoRole = "none";

    public static UserStatus? ParseStatus(string? status) =>
        Enum.TryParse<UserStatus>(status, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(status, out _) ? value : null;
}

internal sealed record UserPage(IReadOnlyList<UserResponse> Items, string? Next);

internal sealed class ListUsersValidator : AbstractValidator<ListUsers>
{
    public ListUsersValidator()
    {
        RuleFor(x => x.Role)
            .Must(role => Roles.Parse(role) is not null || string.Equals(role, ListUsers.NoRole, StringComparison.OrdinalIgnoreCase))
            .When(x => !string.IsNullOrWhiteSpace(x.Role))
            .WithMessage($"must be one of {string.Join(", ", Roles.All)} or {ListUsers.NoRole}");
        RuleFor(x => x.Status).Must(status => ListUsers.ParseStatus(status) is not null)
            .When(x => !string.IsNullOrWhiteSpace(x.Status)).WithMessage("must be invited, active or disabled");
        RuleFor(x => x.Limit).Must(limit => PageCursor.ParseLimit(limit) is not null).WithMessage(PageCursor.LimitMessage);
        RuleFor(x => x.Next).Must(next => PageCursor.Decode(next) is not null)
            .When(x => !string.IsNullOrEmpty(x.Next)).WithMessage("is not a cursor this list gave out");
    }
}

/// <summary>Users by email, page by page (keyset on email then id).</summary>
internal sealed class ListUsersHandler(IDocumentStore store) : IRequestHandler<ListUsers, Result<UserPage>>
{
    public async ValueTask<Result<UserPage>> Handle(ListUsers request, CancellationToken cancellationToken)
    {
        var limit = PageCursor.ParseLimit(request.Limit)!.Value;
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var query = session.Query<User>();
            if (!string.IsNullOrWhiteSpace(request.Role))
            {
                var role = Roles.Parse(request.Role);
                query = query.Where(x => x.Role == role);
            }

            if (ListUsers.ParseStatus(request.Status) is { } status)
            {
                query = query.Where(x => x.Status == status);
            }

            query = query.OrderBy(x => x.Email);
            if (PageCursor.Decode(request.Next) is { } cursor)
            {
                query = query.After(cursor.Key, cursor.Id);
            }

            var rows = await query.Take(limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
            var page = rows.Take(limit).ToList();
            var next = rows.Count > limit ? new PageCursor(page[^1].Email, page[^1].Id).Encode() : null;
            return new UserPage([.. page.Select(UserResponse.Of)], next);
        }
    }
}

internal sealed class ListUsersEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.Users(app)
            .MapGet("/", HandleAsync)
            .WithName("ListUsers")
            .WithSummary("Users by email, page by page: role (a role, or none for those waiting for access), status, limit, next.")
            .Produces<UserPage>()
            .ProducesValidationProblem();

    private static async Task<IResult> HandleAsync(
        ISender sender,
        CancellationToken cancellationToken,
        string? role = null,
        string? status = null,
        string? limit = null,
        string? next = null)
    {
        var result = await sender.Send(new ListUsers(role, status, limit, next), cancellationToken);
        return result.ToHttpResult(page => TypedResults.Ok(page));
    }
}
