using Carter;
using Crm.Modules.Identity.Audit;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.ApiKeys.Features.RevokeApiKey;

internal sealed record RevokeApiKey(string Id, Actor Actor) : IRequest<Result>;

/// <summary>Revokes a key for good: the next call with it is refused. Revoking a revoked key changes nothing.</summary>
internal sealed class RevokeApiKeyHandler(IDocumentStore store, TimeProvider time, IAuditLog audit) : IRequestHandler<RevokeApiKey, Result>
{
    public async ValueTask<Result> Handle(RevokeApiKey request, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var key = await session.LoadAsync<ApiKey>(request.Id, cancellationToken).ConfigureAwait(false);
            if (key is null)
            {
                return AdministrationErrors.ApiKeyNotFound;
            }

            if (key.RevokedAt is not null)
            {
                return Result.Success();
            }

            // A patch, so a last-used time written meanwhile by the authentication handler cannot conflict with it.
            session.Patch<ApiKey>(key.Id, patch => patch.Set(x => x.RevokedAt, time.GetUtcNow()));
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(
                request.Actor.Did(AuditActions.ApiKeyRevoked, key.Id, key.Name),
                cancellationToken).ConfigureAwait(false);
            return Result.Success();
        }
    }
}

internal sealed class RevokeApiKeyEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.ApiKeys(app)
            .MapDelete("/{id}", HandleAsync)
            .WithName("RevokeApiKey")
            .WithSummary("Revokes an API key at once; the key stays in the list, marked revoked.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new RevokeApiKey(id, Actor.Of(httpContext)), cancellationToken);
        return result.ToHttpResult(() => TypedResults.NoContent());
    }
}
