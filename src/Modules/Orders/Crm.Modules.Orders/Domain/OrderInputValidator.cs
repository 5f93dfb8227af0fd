using Crm.SharedKernel.Validation;
using System.Text.RegularExpressions;
using Crm.Modules.Orders.Contracts;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.Extensions.Options;

namespace Crm.Modules.Orders.Domain;

/// <summary>
/// The rules every way into the module applies (REST and bulk rows), with errors keyed by the JSON path
/// (<c>items[2].quantity</c>). Whether a currency has a rate or a customer id exists depends on state, not on the
/// request's shape, so those are 422s decided by <see cref="OrderFactory"/>, not here.
/// </summary>
internal sealed partial class OrderInputValidator : AbstractValidator<OrderInput>
{
    public const int MaxItems = 1000;

    public const int MaxIdLength = 128;

    /// <summary>Amounts up to a trillion: larger is a typo or an attack, and it keeps sums far from decimal's range.</summary>
    public const decimal MaxAmount = 1_000_000_000_000m;

    public OrderInputValidator(TimeProvider time, IOptions<OrdersOptions> options)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        var skew = options.Value.ClockSkew;

        RuleFor(x => x.Source)
            .Must(source => SourceShape().IsMatch(source!.Trim().ToLowerInvariant()))
            .WithMessage("must be 1-64 letters, digits, '.', '_' or '-', e.g. shopify")
            .When(x => x.Source is not null);

        RuleFor(x => x.ExternalOrderId)
            .NotEmpty().WithMessage("is required")
            .MaximumLength(MaxIdLength).WithMessage($"must be at most {MaxIdLength} characters")
            .Must(id => !id!.Any(char.IsControl) && id.Trim().Length > 0).WithMessage("must hold visible characters and no control characters")
            .When(x => x.ExternalOrderId is not null, ApplyConditionTo.CurrentValidator);

        RuleFor(x => x.CustomerId)
            .Must(id => id!.Trim().Length is > 0 and <= MaxIdLength).WithMessage($"must be 1-{MaxIdLength} characters")
            .When(x => x.CustomerId is not null);

        RuleFor(x => x.CustomerEmail)
            .MaximumLength(EmailAddress.MaxLength).WithMessage($"must be at most {EmailAddress.MaxLength} characters")
            .Must(EmailAddress.IsValid!).WithMessage("is not a valid email address")
            .When(x => x.CustomerEmail is not null);

        RuleFor(x => x.CustomerId)
            .Must((input, _) => !string.IsNullOrWhiteSpace(input.CustomerId) || !string.IsNullOrWhiteSpace(input.CustomerEmail))
            .WithMessage("customerId or customerEmail is required");

        RuleFor(x => x.Currency)
            .NotEmpty().WithMessage("is required")
            .Must(Currencies.IsKnown).WithMessage("must be an ISO 4217 currency code, e.g. EUR");

        RuleFor(x => x.Amount)
            .NotNull().WithMessage("is required")
            .GreaterThanOrEqualTo(0).WithMessage("must be zero or more")
            .LessThan(MaxAmount).WithMessage("must be less than 1,000,000,000,000");

        RuleFor(x => x.Amount)
            .Must((input, amount) => Currencies.FitsMinorUnits(amount!.Value, Currencies.Normalise(input.Currency)!))
            .WithMessage((input, _) => $"must have at most {Currencies.MinorUnitsOf(Currencies.Normalise(input.Currency)!)} decimals in {Currencies.Normalise(input.Currency)}")
            .When(x => x.Amount is not null && Currencies.IsKnown(x.Currency));

        RuleFor(x => x.Items!.Count)
            .LessThanOrEqualTo(MaxItems).WithMessage($"must hold at most {MaxItems} items")
            .When(x => x.Items is not null).OverridePropertyName("items");

        RuleFor(x => x).Custom((input, context) =>
        {
            for (var i = 0; i < input.Items!.Count; i++)
            {
                ValidateItem(input.Items[i], $"items[{i}]", Currencies.Normalise(input.Currency), context);
            }
        }).When(x => x.Items is { Count: <= MaxItems });

        RuleFor(x => x.Status)
            .Must(status => OrderStatusRules.Parse(status) is OrderStatus.Placed or OrderStatus.Paid)
            .WithMessage("must be placed or paid when an order is recorded; refunds and cancellations go through PATCH /orders/{id}/status")
            .When(x => x.Status is not null);

        RuleFor(x => x.OrderedAt)
            .Must(at => at <= time.GetUtcNow() + skew).WithMessage("must not be in the future")
            .Must(at => at >= DateTimeOffset.UnixEpoch).WithMessage("must be on or after 1970-01-01")
            .When(x => x.OrderedAt is not null);
    }

    private static void ValidateItem(OrderItemInput? item, string at, string? currency, ValidationContext<OrderInput> context)
    {
        if (item is null)
        {
            Fail(context, at, "must be an object");
            return;
        }

        if (string.IsNullOrWhiteSpace(item.Sku))
        {
            Fail(context, $"{at}.sku", "is required");
        }
        else if (item.Sku.Length > 64)
        {
            Fail(context, $"{at}.sku", "must be at most 64 characters");
        }

        if (item.Name is { Length: > 200 })
        {
            Fail(context, $"{at}.name", "must be at most 200 characters");
        }

        if (item.Quantity is null)
        {
            Fail(context, $"{at}.quantity", "is required");
        }
        else if (item.Quantity is <= 0 or > 1_000_000)
        {
            Fail(context, $"{at}.quantity", "must be between 1 and 1,000,000");
        }

        if (item.UnitPrice is null)
        {
            Fail(context, $"{at}.unitPrice", "is required");
        }
        else if (item.UnitPrice < 0 || item.UnitPrice >= MaxAmount)
        {
            Fail(context, $"{at}.unitPrice", "must be zero or more and less than 1,000,000,000,000");
        }
        else if (currency is not null && !Currencies.FitsMinorUnits(item.UnitPrice.Value, currency))
        {
            Fail(context, $"{at}.unitPrice", $"must have at most {Currencies.MinorUnitsOf(currency)} decimals in {currency}");
        }
    }

    private static void Fail(ValidationContext<OrderInput> context, string path, string message) =>
        context.AddFailure(new ValidationFailure(path, message));

    [GeneratedRegex(@"^[a-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex SourceShape();
}
