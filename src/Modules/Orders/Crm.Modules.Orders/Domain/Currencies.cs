using System.Collections.Frozen;

namespace Crm.Modules.Orders.Domain;

/// <summary>
/// ISO 4217 currencies in circulation with their minor units. Embedded because the host runs with invariant
/// globalization (no RegionInfo data) and because the list must not change with the machine's ICU version.
/// Precious metals, testing and fund codes without a price (XAU, XTS, XXX, ...) are left out: no shop sells in them.
/// </summary>
internal static class Currencies
{
    private static readonly FrozenDictionary<string, int> MinorUnits = Build();

    /// <summary>The code, upper-cased and trimmed; null when <paramref name="code"/> is not a known ISO 4217 code.</summary>
    public static string? Normalise(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var upper = code.Trim().ToUpperInvariant();
        return MinorUnits.ContainsKey(upper) ? upper : null;
    }

    public static bool IsKnown(string? code) => Normalise(code) is not null;

    /// <summary>Digits after the decimal point the currency allows: 0 (JPY), 2 (EUR), 3 (KWD) or 4 (CLF).</summary>
    public static int MinorUnitsOf(string code) => MinorUnits[code];

    /// <summary>Whether <paramref name="amount"/> has no more decimals than <paramref name="currency"/> allows (trailing zeros do not count).</summary>
    public static bool FitsMinorUnits(decimal amount, string currency) =>
        decimal.Round(amount, MinorUnitsOf(currency)) == amount;

    private static FrozenDictionary<string, int> Build()
    {
        const string twoDecimals =
            "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE " +
            "CHF CHW COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL " +
            "HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR " +
            "MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK " +
            "SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST " +
            "XCD XCG YER ZAR ZMW ZWG ZWL";
        const string noDecimals = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
        const string threeDecimals = "BHD IQD JOD KWD LYD OMR TND";
        const string fourDecimals = "CLF UYW";

        var units = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (codes, digits) in new[] { (twoDecimals, 2), (noDecimals, 0), (threeDecimals, 3), (fourDecimals, 4) })
        {
            foreach (var code in codes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                units.Add(code, digits);
            }
        }

        return units.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
