using Crm.SharedKernel.Errors;
using FluentValidation;
using FluentValidation.Results;
using Mediator;

namespace Crm.SharedKernel.Mediation;

/// <summary>
/// Runs every FluentValidation validator of the request before its handler. On failure the handler is not called:
/// a handler returning <see cref="Result"/> or <see cref="Result{T}"/> gets a failed result with the field errors;
/// any other response type gets a <see cref="RequestValidationException"/>, which the host maps to a 400 problem.
/// </summary>
public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private readonly IValidator<TMessage>[] _validators = [.. validators];

    public async ValueTask<TResponse> Handle(
        TMessage message,
        MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        if (_validators.Length == 0)
        {
            return await next(message, cancellationToken).ConfigureAwait(false);
        }

        var context = new ValidationContext<TMessage>(message);
        List<ValidationFailure>? failures = null;
        foreach (var validator in _validators)
        {
            var result = await validator.ValidateAsync(context, cancellationToken).ConfigureAwait(false);
            if (!result.IsValid)
            {
                (failures ??= []).AddRange(result.Errors);
            }
        }

        if (failures is null)
        {
            return await next(message, cancellationToken).ConfigureAwait(false);
        }

        var fieldErrors = FieldErrors.From(failures);
        if (FailedResult<TResponse>.Create is { } create)
        {
            return create(Error.InvalidFields(fieldErrors));
        }

        throw new RequestValidationException(typeof(TMessage).Name, fieldErrors);
    }
}

/// <summary>Builds a failed <typeparamref name="TResponse"/> when it is a Result type; null otherwise. Resolved once per type.</summary>
internal static class FailedResult<TResponse>
{
    public static readonly Func<Error, TResponse>? Create = Build();

    private static Func<Error, TResponse>? Build()
    {
        var type = typeof(TResponse);
        if (type == typeof(Result))
        {
            return error => (TResponse)(object)Result.Failure(error);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Result<>))
        {
            var failure = type.GetMethod(nameof(Result.Failure), [typeof(Error)])!;
            return failure.CreateDelegate<Func<Error, TResponse>>();
        }

        return null;
    }
}

/// <summary>Groups validation failures by field, with paths camelCased to match the JSON a client sent.</summary>
public static class FieldErrors
{
    public static IReadOnlyDictionary<string, string[]> From(IEnumerable<ValidationFailure> failures) =>
        failures
            .GroupBy(f => FieldPath.ToJson(f.PropertyName), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
}
