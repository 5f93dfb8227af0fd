using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Tokens;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.SignIn.LogOut;

internal sealed record LogOutBody(string? RefreshToken);

internal sealed record LogOut(string UserId, string? RefreshToken, string? IpAddress) : IRequest<Result>;

/// <summary>
/// Ends a sign-in: revokes the family of the given refresh token, when it is the caller's. The access token runs
/// out on its own within minutes. Answers 204 whether or not there was anything to revoke, so it reveals nothing.
/// </summary>
internal sealed class LogOutHandler(RefreshTokens refreshTokens, IAuditLog audit) : IRequestHandler<LogOut, Result>
{
    public async ValueTask<Result> Handle(LogOut request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken))
        {
            return Error.InvalidField("refreshToken", "Send the refresh token of the sign-in to end.");
        }

        var token = await refreshTokens.FindAsync(request.RefreshToken, cancellationToken).ConfigureAwait(false);
        if (token is not null && string.Equals(token.UserId, request.UserId, StringComparison.Ordinal))
        {
            await refreshTokens.RevokeFamilyAsync(token.FamilyId, RefreshTokens.ReasonLogout, cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(
                new AuditRecord(AuditActions.SignOut, request.UserId, null, request.UserId, IpAddress: request.IpAddress),
                cancellationToken).ConfigureAwait(false);
        }

        return Result.Success();
    }
}

internal sealed class LogOutEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AuthApi.Group(app)
            .MapPost("/logout", HandleAsync)
            .WithName("LogOut")
            .WithSummary("Ends a sign-in: its refresh token and every token rotated from it stop working.")
            .RequireSignedIn()
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

    private static async Task<IResult> HandleAsync(LogOutBody body, ISender sender, HttpContext httpContext, CancellationToken cancellationToken)
    {
        var result = await sender.Send(
            new LogOut(httpContext.User.SubjectId()!, body.RefreshToken, AuthApi.ClientAddress(httpContext)), cancellationToken);
        return result.ToHttpResult(TypedResults.NoContent);
    }
}
