using Microsoft.Extensions.Options;

namespace Crm.Modules.Orders.Domain;

/// <summary>Converts order amounts to the base currency with the configured rates, checked once at start-up.</summary>
internal sealed class CurrencyConverter
{
    private readonly Dictionary<string, decimal> _rates = new(StringComparer.Ordinal);

    public CurrencyConverter(IOptions<OrdersOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (ProblemWith(settings) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        BaseCurrency = Currencies.Normalise(settings.BaseCurrency)!;
        foreach (var (code, rate) in settings.ExchangeRates)
        {
            _rates[Currencies.Normalise(code)!] = rate;
        }

        _rates[BaseCurrency] = 1m;
    }

    public string BaseCurrency { get; }

    /// <summary>What is wrong with the settings, naming the key; null when they can be used. Checked at start-up.</summary>
    public static string? ProblemWith(OrdersOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (Currencies.Normalise(settings.BaseCurrency) is null)
        {
            return $"Orders:BaseCurrency '{settings.BaseCurrency}' is not an ISO 4217 currency code.";
        }

        foreach (var (code, rate) in settings.ExchangeRates)
        {
            if (Currencies.Normalise(code) is null)
            {
                return $"Orders:ExchangeRates:{code} does not name an ISO 4217 currency code.";
            }

            if (rate <= 0)
            {
                return $"Orders:ExchangeRates:{code} must be greater than zero.";
            }
        }

        return settings.ClockSkew < TimeSpan.Zero ? "Orders:ClockSkew must not be negative." : null;
    }

    public bool CanConvert(string currency) => _rates.ContainsKey(currency);

    /// <summary>
    /// The amount in the base currency, rounded half away from zero to the base currency's minor units (commercial
    /// rounding), so totals summed from base amounts stay exact decimals of the base currency.
    /// </summary>
    public decimal ToBase(decimal amount, string currency) =>
        currency == BaseCurrency
            ? amount
            : decimal.Round(amount * _rates[currency], Currencies.MinorUnitsOf(BaseCurrency), MidpointRounding.AwayFromZero);
}
