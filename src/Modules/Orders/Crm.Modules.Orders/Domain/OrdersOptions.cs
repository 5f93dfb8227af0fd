using Microsoft.Extensions.Options;

namespace Crm.Modules.Orders.Domain;

/// <summary>
/// <c>Orders:BaseCurrency</c> (default USD) and <c>Orders:ExchangeRates:&lt;code&gt;</c>: how many units of the base
/// currency one unit of the code is worth (<c>Orders:ExchangeRates:EUR=1.08</c> with base USD). Customer totals are
/// kept in the base currency; an order in a currency without a rate is refused rather than counted at a guessed rate.
/// </summary>
internal sealed class OrdersOptions
{
    public const string Section = "Orders";

    public string BaseCurrency { get; set; } = "USD";

    public Dictionary<string, decimal> ExchangeRates { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How far in the future an order's <c>orderedAt</c> may lie, for clocks of shops that run ahead.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Stops start-up on settings that would refuse or misprice orders later, naming the key at fault.</summary>
internal sealed class OrdersOptionsValidator : IValidateOptions<OrdersOptions>
{
    public ValidateOptionsResult Validate(string? name, OrdersOptions options) =>
        CurrencyConverter.ProblemWith(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
