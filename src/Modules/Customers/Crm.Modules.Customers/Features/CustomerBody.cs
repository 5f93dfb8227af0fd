using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Modules.Customers.Domain;
using Crm.SharedKernel.Errors;
using FluentValidation;

namespace Crm.Modules.Customers.Features;

/// <summary>What POST and PATCH share about a customer body: which members a client may write, and the input rules.</summary>
internal static class CustomerBody
{
    /// <summary>Members of a customer a client sees but may not write: behaviour is kept by orders and visits only.</summary>
    private static readonly FrozenSet<string> ReadOnlyFields =
        new[] { "id", "version", "behaviour", "source", "createdAt", "updatedAt" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> WritableFields = typeof(CustomerInput).GetProperties()
        .Select(property => JsonNamingPolicy.CamelCase.ConvertName(property.Name))
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// A 400 for read-only or unknown top-level members (a typo such as <c>emial</c> would otherwise be dropped
    /// silently), or null when every member is writable.
    /// </summary>
    public static Error? CheckMembers(JsonObject body)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, _) in body)
        {
            if (ReadOnlyFields.Contains(name))
            {
                errors[name] = ["is read-only"];
            }
            else if (!WritableFields.Contains(name))
            {
                errors[name] = ["is not a customer field"];
            }
        }

        return errors.Count == 0 ? null : Error.InvalidFields(errors);
    }

    /// <summary>The body as a JSON object, or a 400 saying it must be one.</summary>
    public static Result<JsonObject> RequireObject(JsonNode? body) =>
        body is JsonObject json ? json : Error.InvalidField("$", "The body must be a JSON object.");

    /// <summary>Runs <see cref="CustomerInputValidator"/> inside another request's validator, keeping its field paths.</summary>
    public static void MustBeValidCustomerInput<T>(this IRuleBuilder<T, CustomerInput> rule, IValidator<CustomerInput> validator) =>
        rule.CustomAsync(async (input, context, cancellationToken) =>
        {
            var result = await validator.ValidateAsync(input, cancellationToken).ConfigureAwait(false);
            foreach (var failure in result.Errors)
            {
                context.AddFailure(failure);
            }
        });
}
