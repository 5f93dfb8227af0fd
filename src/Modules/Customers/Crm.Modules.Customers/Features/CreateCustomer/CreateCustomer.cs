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

namespace Crm.Modules.Customers.Features.CreateCustomer;

internal sealed record CreateCustomer(CustomerInput Input) : IRequest<Result<CustomerResponse>>;

internal sealed class CreateCustomerValidator : AbstractValidator<CreateCustomer>
{
    public CreateCustomerValidator(IValidator<CustomerInput> input) => RuleFor(x => x.Input).MustBeValidCustomerInput(input);
}

internal sealed class CreateCustomerHandler(IDocumentStore store, TimeProvider time) : IRequestHandler<CreateCustomer, Result<CustomerResponse>>
{
    public const string Source = "api";

    public async ValueTask<Result<CustomerResponse>> Handle(CreateCustomer request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var customer = new Customer { Id = DocumentId.New(time), Source = Source, CreatedAt = now };
        CustomerChanges.Apply(customer, request.Input, now, Source, replace: true);
        customer.UpdatedAt = now;

        var session = store.OpenSession();
        await using (session.ConfigureAwait(false))
        {
            session.Store(customer);
            session.Publish(CustomerEvents.Created(customer, now));
            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.DuplicateKey)
            {
                return CustomerErrors.EmailTaken;
            }
        }

        CustomersTelemetry.CustomersCreated.Add(1, new KeyValuePair<string, object?>("crm.customer.source", Source));
        return customer.ToResponse();
    }
}

internal sealed class CreateCustomerEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersWrite)
            .MapPost("/", HandleAsync)
            .WithName("CreateCustomer")
            .WithSummary("Creates a customer; the email must be new. Send an Idempotency-Key to retry safely.")
            .Accepts<CustomerInput>(CustomersApi.Json)
            .Produces<CustomerResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<IResult> HandleAsync(HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var body = CustomerBody.RequireObject(
            await JsonRequestBody.ReadAsync(httpContext.Request, [CustomersApi.Json], cancellationToken: cancellationToken));
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        if (CustomerBody.CheckMembers(body.Value) is { } invalid)
        {
            return invalid.ToProblem();
        }

        var input = JsonRequestBody.Bind<CustomerInput>(body.Value, httpContext);
        if (input.IsFailure)
        {
            return input.ToProblem();
        }

        var result = await sender.Send(new CreateCustomer(input.Value), cancellationToken);
        return result.ToHttpResult(customer =>
        {
            httpContext.Response.Headers.ETag = EntityTags.Of(customer.Version);
            return TypedResults.Created(CustomersApi.LocationOf(customer.Id), customer);
        });
    }
}
