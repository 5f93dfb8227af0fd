using Carter;
using Crm.Modules.Identity.Audit;
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

namespace Crm.Modules.Identity.Administration.ApiKeys.Features.CreateApiKey;

internal sealed record CreateApiKeyBody(string? Name, List<string?>? Permissions);

internal sealed record CreateApiKey(string? Name, IReadOnlyList<string?>? Permissions, Actor Actor) : IRequest<Result<CreatedApiKey>>;

/// <summary>The one answer that carries the key itself; it cannot be read again.</summary>
internal sealed record CreatedApiKey(
    string Id,
    string Name,
    string Prefix,
    IReadOnlyList<string> Permissions,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    string Key);

internal sealed class CreateApiKeyValidator : AbstractValidator<CreateApiKey>
{
    public const int MaxNameLength = 100;

    public CreateApiKeyValidator()
    {
        RuleFor(x => x.Name).NotEmpty().WithMessage("is required")
            .MaximumLength(MaxNameLength).WithMessage($"must be at most {MaxNameLength} characters");
        RuleFor(x => x.Permissions).NotEmpty().WithMessage("must name at least one permission");
        RuleForEach(x => x.Permissions).Must(permission => permission is not null && Permissions.IsKnown(permission))
            .WithMessage($"must be one of {string.Join(", ", Permissions.All)}");
    }
}

internal sealed class CreateApiKeyHandler(IDocumentStore store, TimeProvider time, IAuditLog audit)
    : IRequestHandler<CreateApiKey, Result<CreatedApiKey>>
{
    public async ValueTask<Result<CreatedApiKey>> Handle(CreateApiKey request, CancellationToken cancellationToken)
    {
        var permissions = request.Permissions!.Select(permission => permission!).Distinct(StringComparer.Ordinal).ToList();

        // A key must never let its creator do more than they can themselves.
        if (!permissions.All(request.Actor.Permissions.Contains))
        {
            return AdministrationErrors.PermissionsNotHeld;
        }

        var (text, prefix) = ApiKeySecret.Generate();
        var key = new ApiKey
        {
            Id = DocumentId.New(time),
            Name = request.Name!.Trim(),
            Prefix = prefix,
            Hash = Secrets.Hash(text),
            Permissions = permissions,
            CreatedBy = request.Actor.Id,
            CreatedAt = time.GetUtcNow(),
        };
        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(key);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        await audit.RecordAsync(
            request.Actor.Did(AuditActions.ApiKeyCreated, key.Id, $"{key.Name} ({string.Join(' ', key.Permissions)})"),
            cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(key.Id, key.Name, key.Prefix, key.Permissions, key.CreatedBy, key.CreatedAt, text);
    }
}

internal sealed class CreateApiKeyEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        AdministrationApi.ApiKeys(app)
            .MapPost("/", HandleAsync)
            .WithName("CreateApiKey")
            .WithSummary("Creates an API key with some of your own permissions. The key is in this answer only: store it now.")
            .Accepts<CreateApiKeyBody>(AdministrationApi.Json)
            .Produces<CreatedApiKey>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var body = await AdministrationBody.ReadAsync<CreateApiKeyBody>(httpContext, cancellationToken);
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        var result = await sender.Send(new CreateApiKey(body.Value.Name, body.Value.Permissions, Actor.Of(httpContext)), cancellationToken);
        return result.ToHttpResult(created => TypedResults.Created((string?)null, created));
    }
}
