using Carter;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Host.Tests.Support;

/// <summary>
/// Endpoints that exist only in tests, to drive the host's error mapping from the outside. Registered the way a
/// module registers its endpoints: as an ICarterModule in DI.
/// </summary>
internal sealed class ProbeEndpoints : ICarterModule
{
    public const string Secret = "secret-detail-3141";

    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var probe = app.MapGroup("/probe").RequireSignedIn();
        probe.MapGet("/throw", IResult () => throw new InvalidOperationException($"{Secret}: the connection string is Server=db;Password=hunter2"));
        probe.MapGet("/invalid", IResult () => throw new RequestValidationException(
            "CreateProbe",
            new Dictionary<string, string[]>(StringComparer.Ordinal) { ["email"] = ["'Email' must not be empty."], ["age"] = ["'Age' must be at least 18."] }));
        probe.MapGet("/conflict/duplicate", IResult () => throw new DocumentConflictException(
            ConflictKind.DuplicateKey, "probes.probes", "p1", "Email", $"{Secret}: UNIQUE constraint failed"));
        probe.MapGet("/conflict/version", IResult () => throw new DocumentConflictException(
            ConflictKind.VersionMismatch, "probes.probes", "p1", null, $"{Secret}: version 3 expected"));
        probe.MapGet("/unavailable", IResult () => throw new StoreUnavailableException($"{Secret}: connection refused by 10.1.2.3"));
        probe.MapGet("/not-found", () => Error.NotFound("probes.not_found", "No probe has this id.").ToProblem());
        probe.MapGet("/too-many", () => Error.TooManyRequests("probes.throttled", "Slow down.", TimeSpan.FromSeconds(7)).ToProblem());
        probe.MapGet("/ok", () => Result.Success(new ProbeBody("ok", 1)).ToHttpResult(TypedResults.Ok));
        probe.MapPost("/echo", (ProbeBody body) => TypedResults.Ok(body));
        probe.MapPost("/documents", async (ProbeDocument document, IDocumentStore store, CancellationToken cancellationToken) =>
        {
            await using var session = store.OpenSession();
            session.Store(document);
            await session.SaveChangesAsync(cancellationToken);
            return TypedResults.Created($"/api/v1/probe/documents/{document.Id}", document);
        });
    }
}

internal sealed record ProbeBody(string Name, int Age);

internal sealed class ProbeDocument : IDocument
{
    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Email { get; set; } = "";
}
