namespace Crm.Host.Demo;

/// <summary>A real city with the IANA time zone it lies in.</summary>
internal sealed record DemoCity(string Name, string TimeZone);

/// <summary>
/// A country the demo draws customers from: the Bogus locale its names come from, its calling code, a mobile number
/// pattern (<c>#</c> is a digit) and real cities with their time zones, so a segment on country, city or time zone
/// finds a coherent audience.
/// </summary>
internal sealed record DemoCountry(string Code, string Locale, float Weight, string CallingCode, string MobilePattern, IReadOnlyList<DemoCity> Cities);

internal static class DemoPlaces
{
    // Where a country has a range reserved for fiction (US and CA 555-01xx, GB 07700 900xxx, AU 0491 570 xxx), the
    // numbers come from it, so a demo campaign pointed at a real SMS vendor reaches nobody there.
    public static readonly IReadOnlyList<DemoCountry> Countries =
    [
        new("US", "en_US", 22, "1", "2##55501##",
        [
            new("New York", "America/New_York"), new("Boston", "America/New_York"), new("Miami", "America/New_York"),
            new("Atlanta", "America/New_York"), new("Chicago", "America/Chicago"), new("Houston", "America/Chicago"),
            new("Dallas", "America/Chicago"), new("Denver", "America/Denver"), new("Phoenix", "America/Phoenix"),
            new("Los Angeles", "America/Los_Angeles"), new("San Francisco", "America/Los_Angeles"), new("Seattle", "America/Los_Angeles"),
        ]),
        new("GB", "en_GB", 10, "44", "7700900###",
        [
            new("London", "Europe/London"), new("Manchester", "Europe/London"), new("Birmingham", "Europe/London"),
            new("Leeds", "Europe/London"), new("Glasgow", "Europe/London"), new("Bristol", "Europe/London"),
        ]),
        new("DE", "de", 12, "49", "15#########",
        [
            new("Berlin", "Europe/Berlin"), new("Hamburg", "Europe/Berlin"), new("Munich", "Europe/Berlin"),
            new("Cologne", "Europe/Berlin"), new("Frankfurt", "Europe/Berlin"), new("Leipzig", "Europe/Berlin"),
        ]),
        new("FR", "fr", 10, "33", "6########",
        [
            new("Paris", "Europe/Paris"), new("Lyon", "Europe/Paris"), new("Marseille", "Europe/Paris"),
            new("Toulouse", "Europe/Paris"), new("Bordeaux", "Europe/Paris"), new("Lille", "Europe/Paris"),
        ]),
        new("ES", "es", 7, "34", "6########",
        [
            new("Madrid", "Europe/Madrid"), new("Barcelona", "Europe/Madrid"), new("Valencia", "Europe/Madrid"),
            new("Seville", "Europe/Madrid"), new("Bilbao", "Europe/Madrid"),
        ]),
        new("IT", "it", 7, "39", "3#########",
        [
            new("Rome", "Europe/Rome"), new("Milan", "Europe/Rome"), new("Naples", "Europe/Rome"),
            new("Turin", "Europe/Rome"), new("Florence", "Europe/Rome"),
        ]),
        new("NL", "nl", 5, "31", "6########",
        [
            new("Amsterdam", "Europe/Amsterdam"), new("Rotterdam", "Europe/Amsterdam"), new("Utrecht", "Europe/Amsterdam"),
            new("The Hague", "Europe/Amsterdam"),
        ]),
        new("SE", "sv", 3, "46", "7########",
        [
            new("Stockholm", "Europe/Stockholm"), new("Gothenburg", "Europe/Stockholm"), new("Malmö", "Europe/Stockholm"),
        ]),
        new("PL", "pl", 4, "48", "5########",
        [
            new("Warsaw", "Europe/Warsaw"), new("Kraków", "Europe/Warsaw"), new("Wrocław", "Europe/Warsaw"), new("Gdańsk", "Europe/Warsaw"),
        ]),
        new("CA", "en_CA", 6, "1", "4##55501##",
        [
            new("Toronto", "America/Toronto"), new("Montreal", "America/Toronto"), new("Ottawa", "America/Toronto"),
            new("Calgary", "America/Edmonton"), new("Vancouver", "America/Vancouver"),
        ]),
        new("AU", "en_AU", 5, "61", "491570###",
        [
            new("Sydney", "Australia/Sydney"), new("Melbourne", "Australia/Melbourne"), new("Brisbane", "Australia/Brisbane"),
            new("Perth", "Australia/Perth"), new("Adelaide", "Australia/Adelaide"),
        ]),
        new("BR", "pt_BR", 5, "55", "119########",
        [
            new("São Paulo", "America/Sao_Paulo"), new("Rio de Janeiro", "America/Sao_Paulo"), new("Belo Horizonte", "America/Sao_Paulo"),
            new("Manaus", "America/Manaus"),
        ]),
        new("AT", "de_AT", 3, "43", "66#########",
        [
            new("Vienna", "Europe/Vienna"), new("Graz", "Europe/Vienna"), new("Salzburg", "Europe/Vienna"), new("Innsbruck", "Europe/Vienna"),
        ]),
    ];
}
