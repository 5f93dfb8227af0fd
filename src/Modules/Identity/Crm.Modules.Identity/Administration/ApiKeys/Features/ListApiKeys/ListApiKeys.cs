using Carter;
using Crm.Modules.Identity.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Identity.Administration.ApiKeys.Features.ListApiKeys;

internal sealed record ListApiKeys : IRequest<Result<ApiKeyList>>;

internal sealed record ApiKeyList(IReadOnlyList<ApiKeyResponse> Items);

/// <summary>Every key, newest first, revoked ones included (an installation has a handful, not pages of them).</summary>
internal sealed class ListApiKeysHandler(IDocumentStore store) : IRequestHandler<ListApiKeys, Result<ApiKeyList>>
{
    public async ValueTask<Result<ApiKeyList>> Handle(ListApiKeys request, CancellationToken cancellationToken)
    {
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            var keys = await session.Query<ApiKey>().OrderByDescending(x => x.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
            return new ApiKeyList([.. keys.Select(ApiKeyResponse.Of)]);
        }
    }
}

internal sealed class ListApiKeysEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.ApiKeys(app)
            .MapGet("/", HandleAsync)
            .WithName("ListApiKeys")
            .WithSummary("Every API key, newest first, without secrets: name, prefix, permissions, creator, last use, revocation.")
            .Produces<ApiKeyList>();

    private static async Task<IResult> HandleAsync(ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new ListApiKeys(), cancellationToken);
        return result.ToHttpResult(list => TypedResults.Ok(list));
    }
}
