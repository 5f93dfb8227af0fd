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

namespace Crm.Modules.Customers.Features.RecordVisit;

/// <summary>A visit at <see cref="At"/> (now when not given).</summary>
internal sealed record RecordVisit(string Id, DateTimeOffset? At) : IRequest<Result<BehaviourResponse>>;

internal sealed record RecordVisitBody
{
    public DateTimeOffset? At { get; init; }
}

internal sealed class RecordVisitValidator : AbstractValidator<RecordVisit>
{
    public RecordVisitValidator(TimeProvider time) =>
        RuleFor(x => x.At)
            .Must(at => at <= time.GetUtcNow().AddMinutes(5)).WithMessage("must not be in the future")
            .Must(at => at >= new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)).WithMessage("must be after 2000-01-01")
            .When(x => x.At is not null);
}

/// <summary>
/// Counts the visit and keeps the latest visit time. The customer is read, changed and stored under its version so
/// that the CustomerUpdated snapshot committed with it is exact; visits to one customer queue on an in-process gate
/// first, so parallel visits take turns instead of failing on each other's versions (the version check still guards
/// against other writers and other hosts, and a clash is retried).
/// </summary>
internal sealed class RecordVisitHandler(IDocumentStore store, CustomerWriteGate gate, TimeProvider time)
    : IRequestHandler<RecordVisit, Result<BehaviourResponse>>
{
    private const int Attempts = 10;

    public async ValueTask<Result<BehaviourResponse>> Handle(RecordVisit request, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(request.Id, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var session = store.OpenSession();
            await using (session.ConfigureAwait(false))
            {
                var customer = await session.LoadAsync<Customer>(request.Id, cancellationToken).ConfigureAwait(false);
                if (customer is null)
                {
                    return CustomerErrors.NotFound;
                }

                var now = time.GetUtcNow();
                var at = (request.At ?? now).ToUniversalTime();
                customer.Behaviour.VisitCount++;
                if (customer.Behaviour.LastVisit is not { } last || at > last)
                {
                    customer.Behaviour.LastVisit = at;
                }

                customer.UpdatedAt = now;
                session.Store(customer);
                session.Publish(CustomerEvents.Updated(customer, ["behaviour"], now));
                try
                {
                    await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    CustomersTelemetry.VisitsRecorded.Add(1);
                    return customer.Behaviour.ToResponse();
                }
                catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.VersionMismatch && attempt < Attempts)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}

internal sealed class RecordVisitEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersWrite)
            .MapPost("/{id}/visits", HandleAsync)
            .WithName("RecordVisit")
            .WithSummary("Records a visit (optional body {\"at\": time}): visitCount + 1, lastVisit the latest visit.")
            .Accepts<RecordVisitBody>(CustomersApi.Json)
            .Produces<BehaviourResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        DateTimeOffset? at = null;
        if (await JsonRequestBody.ReadAsync(httpContext.Request, [CustomersApi.Json], cancellationToken: cancellationToken) is { } node)
        {
            var body = JsonRequestBody.Bind<RecordVisitBody>(node, httpContext);
            if (body.IsFailure)
            {
                return body.ToProblem();
            }

            at = body.Value.At;
        }

        var result = await sender.Send(new RecordVisit(id, at), cancellationToken);
        return result.ToHttpResult(behaviour => TypedResults.Ok(behaviour));
    }
}
