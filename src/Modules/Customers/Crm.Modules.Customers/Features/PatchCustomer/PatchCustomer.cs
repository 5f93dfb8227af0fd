using System.Text.Json;
using System.Text.Json.Nodes;
using Carter;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Mediation;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Customers.Features.PatchCustomer;

/// <summary>A JSON merge patch (RFC 7386) of a customer's writable fields, optionally conditional on If-Match.</summary>
internal sealed record PatchCustomer(string Id, JsonObject Patch, string? IfMatch) : IRequest<Result<CustomerResponse>>;

/// <summary>
/// Merges the patch into the current state's <see cref="CustomerInput"/> JSON, validates the result like a new
/// customer, and writes it as the whole new state. Without If-Match a concurrent write is retried on the fresh state
/// (the patch still means the same); with it the write is refused as stale.
/// </summary>
internal sealed class PatchCustomerHandler(
    IDocumentStore store,
    IValidator<CustomerInput> validator,
    IOptions<JsonOptions> json,
    TimeProvider time) : IRequestHandler<PatchCustomer, Result<CustomerResponse>>
{
    private const int Attempts = 5;

    public async ValueTask<Result<CustomerResponse>> Handle(PatchCustomer request, CancellationToken cancellationToken)
    {
        var options = json.Value.SerializerOptions;
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

                if (request.IfMatch is { } ifMatch && !EntityTags.IfMatchHolds(ifMatch, customer.Version))
                {
                    return CustomerErrors.StaleVersion;
                }

                var merged = JsonMergePatch.Apply(JsonSerializer.SerializeToNode(ToInput(customer), options), request.Patch);
                CustomerInput input;
                try
                {
                    input = merged.Deserialize<CustomerInput>(options)!;
                }
                catch (JsonException exception)
                {
                    return Error.InvalidField(exception.Path?.TrimStart('$', '.') ?? "$", "has a value of the wrong type or form");
                }

                var validation = await validator.ValidateAsync(input, cancellationToken).ConfigureAwait(false);
                if (!validation.IsValid)
                {
                    return Error.InvalidFields(FieldErrors.From(validation.Errors));
                }

                var now = time.GetUtcNow();
                var changed = CustomerChanges.Apply(customer, input, now, "api", replace: true);
                if (changed.Count == 0)
                {
                    return customer.ToResponse();
                }

                session.Store(customer);
                session.Publish(CustomerEvents.Updated(customer, changed, now));
                try
                {
                    await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    return customer.ToResponse();
                }
                catch (DocumentConflictException conflict) when (conflict.Kind == ConflictKind.DuplicateKey)
                {
                    return CustomerErrors.EmailTaken;
                }
                catch (DocumentConflictException) when (request.IfMatch is not null)
                {
                    return CustomerErrors.StaleVersion;
                }
                catch (DocumentConflictException) when (attempt < Attempts)
                {
                }
            }
        }
    }

    /// <summary>The customer's writable state in the shape a client writes it: the target a merge patch applies to.</summary>
    private static CustomerInput ToInput(Customer customer) => new()
    {
        Email = customer.Email,
        Name = customer.Name,
        Phone = customer.Phone,
        TimeZone = customer.TimeZone,
        Profile = new ProfileInput
        {
            Age = customer.Profile.Age,
            BirthDate = customer.Profile.BirthDate,
            Gender = customer.Profile.Gender,
            City = customer.Profile.City,
            Country = customer.Profile.Country,
        },
        Preferences = [.. customer.Preferences],
        Tags = [.. customer.Tags],
        CustomAttributes = customer.CustomAttributes.ToDictionary(
            pair => pair.Key,
            pair => CustomAttributeInput.Of(pair.Value),
            StringComparer.Ordinal),
        Consent = new ConsentInput
        {
            Email = ToInput(customer.Consent.Email),
            Sms = ToInput(customer.Consent.Sms),
            Push = ToInput(customer.Consent.Push),
        },
    };

    private static ChannelConsentInput? ToInput(ChannelConsent? consent) =>
        consent is null ? null : new ChannelConsentInput { Status = consent.Status, At = consent.At, Source = consent.Source };
}

/// <summary>
/// No Accepts metadata on the route: routing would answer another media type itself, with a 415 telling the client to
/// send application/json; the endpoint's own check names application/merge-patch+json.
/// </summary>
internal sealed class PatchCustomerEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersWrite)
            .MapPatch("/{id}", HandleAsync)
            .WithName("PatchCustomer")
            .WithSummary("Changes a customer with a JSON merge patch (application/merge-patch+json); If-Match makes it conditional.")
            .Produces<CustomerResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    private static async Task<IResult> HandleAsync(string id, HttpContext httpContext, ISender sender, CancellationToken cancellationToken)
    {
        var body = CustomerBody.RequireObject(
            await JsonRequestBody.ReadAsync(httpContext.Request, [JsonMergePatch.MediaType], cancellationToken: cancellationToken));
        if (body.IsFailure)
        {
            return body.ToProblem();
        }

        if (CustomerBody.CheckMembers(body.Value) is { } invalid)
        {
            return invalid.ToProblem();
        }

        var result = await sender.Send(new PatchCustomer(id, body.Value, EntityTags.IfMatchOf(httpContext.Request)), cancellationToken);
        return result.ToHttpResult(customer =>
        {
            httpContext.Response.Headers.ETag = EntityTags.Of(customer.Version);
            return TypedResults.Ok(customer);
        });
    }
}
