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
        BaseCurrency = Currencies.Normalise(settings.BaseCurrency)
            ?? throw new InvalidOperationException($"Orders:BaseCurrency '{settings.BaseCurrency}' is not an ISO 4217 currency code.");

        foreach (var (code, rate) in settings.ExchangeRates)
        {
            var currency = Currencies.Normalise(code)
                ?? throw new InvalidOperationException($"Orders:ExchangeRates:{code} does not name an ISO 4217 currency code.");
            if (rate <= 0)
            {
                throw new InvalidOperationException($"Orders:ExchangeRates:{code} must be greater than zero.");
            }

            _rates[currency] = rate;
        }

        _rates[BaseCurrency] = 1m;
    }

    public string BaseCurrency { get; }

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
