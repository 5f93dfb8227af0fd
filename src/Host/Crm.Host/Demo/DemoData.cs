using Bogus;
using Crm.Modules.Customers.Contracts;
using Crm.Modules.Orders.Contracts;

namespace Crm.Host.Demo;

/// <summary>
/// Deterministic demo customers and orders (Bogus). Customer <c>i</c> and its orders depend only on the seed, the
/// index and <c>now</c>, so a caller can generate any slice, in any order, and recompute what it sent (the seeder's
/// test and the benchmarks compute the expected totals this way). Not thread-safe: one instance per thread.
/// </summary>
internal sealed class DemoData
{
    public const int DefaultSeed = 20_261_124;

    /// <summary>The source the demo orders come from; with the external id it makes a re-sent order a duplicate.</summary>
    public const string OrderSource = "demo-shop";

    // Reserved for documentation (RFC 2606), so a demo campaign sent through a real relay reaches no mailbox.
    private static readonly string[] EmailDomains = ["example.com", "example.org", "example.net"];

    private static readonly string[] TagPool =
        ["newsletter", "vip", "returning", "first-purchase", "high-value", "churn-risk", "wholesale", "beta-tester", "influencer", "employee"];

    private static readonly string[] PreferencePool =
        ["running", "yoga", "cycling", "outdoor", "fashion", "electronics", "books", "cooking", "travel", "beauty", "home-decor", "gaming", "music", "pets", "kids", "gardening"];

    private static readonly string[] Plans = ["free", "basic", "premium", "enterprise"];
    private static readonly float[] PlanWeights = [0.45f, 0.30f, 0.20f, 0.05f];
    private static readonly string[] SignupChannels = ["web", "mobile_app", "store", "referral", "social"];
    private static readonly float[] SignupWeights = [0.45f, 0.25f, 0.15f, 0.10f, 0.05f];
    private static readonly string[] ConsentSources = ["web form", "checkout", "mobile app", "in store", "import"];
    private static readonly int[] OrderCounts = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    private static readonly float[] OrderCountWeights = [0.20f, 0.22f, 0.17f, 0.13f, 0.10f, 0.07f, 0.05f, 0.03f, 0.03f];
    private static readonly int[] ItemCounts = [1, 2, 3, 4];
    private static readonly float[] ItemCountWeights = [0.50f, 0.30f, 0.15f, 0.05f];
    private static readonly OrderStatus[] SettledStatuses = [OrderStatus.Paid, OrderStatus.Refunded, OrderStatus.Cancelled];
    private static readonly float[] SettledWeights = [0.88f, 0.07f, 0.05f];

    private const string GenderedEnglish = "en";

    private readonly int _seed;
    private readonly DateTimeOffset _now;
    private readonly string _currency;
    private readonly Dictionary<string, Faker> _fakers;
    private readonly DemoProduct[] _catalog;
    private readonly float[] _countryWeights;

    public DemoData(DateTimeOffset now, string currency, int seed = DefaultSeed)
    {
        _seed = seed;
        _now = now;
        _currency = currency;
        _fakers = DemoPlaces.Countries.Select(c => c.Locale).Append(GenderedEnglish).Distinct(StringComparer.Ordinal)
            .ToDictionary(locale => locale, locale => new Faker(locale), StringComparer.Ordinal);

        // Bogus's WeightedRandom expects weights that add up to 1.
        var total = DemoPlaces.Countries.Sum(c => c.Weight);
        _countryWeights = [.. DemoPlaces.Countries.Select(c => c.Weight / total)];
        _catalog = Catalog(new Faker("en") { Random = new Randomizer(seed) });
    }

    public DemoCustomer Customer(int index)
    {
        var random = new Randomizer(Mix(index, salt: 0));
        var country = random.WeightedRandom([.. DemoPlaces.Countries], _countryWeights);
        var city = country.Cities[random.Number(country.Cities.Count - 1)];
        var faker = _fakers[country.Locale];
        faker.Random = random;
        var gender = random.WeightedRandom(["female", "male", "non-binary", null], [0.49f, 0.47f, 0.02f, 0.02f]);
        var (first, inferredGender) = FirstName(faker, random, gender);
        gender = inferredGender;
        var last = faker.Name.LastName();
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["plan"] = random.WeightedRandom(Plans, PlanWeights),
            ["loyalty_points"] = (decimal)random.Number(0, 25_000),
            ["signup_channel"] = random.WeightedRandom(SignupChannels, SignupWeights),
            ["paperless_billing"] = random.Bool(0.6f),
        };
        if (random.Bool(0.3f))
        {
            attributes["last_survey_at"] = DaysAgo(random, 1, 365);
        }

        return new DemoCustomer
        {
            Email = $"{EmailLocalPart(faker.Internet.UserName(first, last))}{index}@{random.ArrayElement(EmailDomains)}",
            Name = $"{first} {last}",
            Phone = random.Bool(0.85f) ? "+" + country.CallingCode + random.ReplaceNumbers(country.MobilePattern) : null,
            TimeZone = city.TimeZone,
            Profile = new DemoProfile(
                // Two draws averaged: most customers are 25-55, a few are 18 or 80.
                Age: (random.Number(18, 85) + random.Number(18, 70)) / 2,
                Gender: gender,
                City: city.Name,
                Country: country.Code),
            Preferences = [.. random.ArrayElements(PreferencePool, random.Number(0, 4))],
            Tags = [.. random.ArrayElements(TagPool, random.WeightedRandom([0, 1, 2, 3], [0.35f, 0.35f, 0.2f, 0.1f]))],
            CustomAttributes = attributes,
            Consent = new DemoConsent
            {
                Email = Consent(random, said: 0.75f, optedIn: 0.85f),
                Sms = Consent(random, said: 0.5f, optedIn: 0.6f),
                Push = Consent(random, said: 0.4f, optedIn: 0.7f),
            },
        };
    }

    /// <summary>
    /// Customer <paramref name="index"/>'s orders, oldest first, spread over the last two years: 0 to 8 of them
    /// (about 2.6 on average), or exactly <paramref name="count"/>.
    /// </summary>
    public IReadOnlyList<DemoOrder> Orders(int index, string customerEmail, int? count = null)
    {
        var random = new Randomizer(Mix(index, salt: 1));
        var n = count ?? random.WeightedRandom(OrderCounts, OrderCountWeights);
        var times = Enumerable.Range(0, n).Select(_ => DaysAgo(random, 0, 729)).Order().ToArray();
        var orders = new DemoOrder[n];
        for (var k = 0; k < n; k++)
        {
            var items = Enumerable.Range(0, random.WeightedRandom(ItemCounts, ItemCountWeights))
                .Select(_ =>
                {
                    var product = random.ArrayElement(_catalog);
                    return new DemoOrderItem(product.Sku, product.Name, random.WeightedRandom([1, 2, 3], [0.75f, 0.2f, 0.05f]), product.Price);
                })
                .ToArray();

            // Recent orders may still be unpaid; older ones are settled: mostly paid, some refunded (after being paid)
            // or cancelled (before).
            var final = _now - times[k] < TimeSpan.FromDays(3) && random.Bool(0.6f)
                ? OrderStatus.Placed
                : random.WeightedRandom(SettledStatuses, SettledWeights);
            orders[k] = new DemoOrder
            {
                Source = OrderSource,
                ExternalOrderId = $"SO-{index + 1:D7}-{k + 1}",
                CustomerEmail = customerEmail,
                Amount = items.Sum(i => i.Quantity * i.UnitPrice),
                Currency = _currency,
                Items = items,
                Status = final switch { OrderStatus.Refunded => OrderStatus.Paid, OrderStatus.Cancelled => OrderStatus.Placed, _ => final },
                LaterStatus = final is OrderStatus.Refunded or OrderStatus.Cancelled ? final : null,
                OrderedAt = times[k],
            };
        }

        return orders;
    }

    /// <summary>
    /// A first name that fits the gender. Bogus's regional English locales have no gendered first names, so theirs
    /// come from its plain English list; a locale with none at all (Polish) gives a name whose gender follows the
    /// language's rule that women's first names end in -a.
    /// </summary>
    private (string Name, string? Gender) FirstName(Faker faker, Randomizer random, string? gender)
    {
        var names = faker;
        if (!names.Name.SupportsGenderFirstNames && faker.Locale.StartsWith("en", StringComparison.Ordinal))
        {
            names = _fakers[GenderedEnglish];
            names.Random = random;
        }

        if (!names.Name.SupportsGenderFirstNames)
        {
            var name = names.Name.FirstName();
            return (name, gender is "female" or "male" ? (name.EndsWith('a') ? "female" : "male") : gender);
        }

        return (names.Name.FirstName(gender switch { "female" => Bogus.DataSets.Name.Gender.Female, "male" => Bogus.DataSets.Name.Gender.Male, _ => null }), gender);
    }

    private DemoChannelConsent? Consent(Randomizer random, float said, float optedIn) =>
        random.Bool(said)
            ? new DemoChannelConsent(random.Bool(optedIn) ? ConsentStatus.OptedIn : ConsentStatus.OptedOut, DaysAgo(random, 1, 730), random.ArrayElement(ConsentSources))
            : null;

    /// <summary>A time between <paramref name="min"/> and <paramref name="max"/> days before now, to the second.</summary>
    private DateTimeOffset DaysAgo(Randomizer random, int min, int max)
    {
        var time = _now.AddDays(-random.Number(min, max)).AddSeconds(-random.Number(0, 86_399));
        return new DateTimeOffset(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>Bogus transliterates user names to ASCII; what is left outside the plain email alphabet is dropped.</summary>
    private static string EmailLocalPart(string userName) =>
        new([.. userName.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-')]);

    // A per-index seed, so customer i is the same whichever slice a caller generates.
    private int Mix(int index, int salt) => unchecked((int)(((uint)_seed * 2_654_435_761u) ^ ((uint)index * 40_503u + (uint)salt * 2_246_822_519u)));

    private static DemoProduct[] Catalog(Faker faker) =>
        [.. Enumerable.Range(1, 120).Select(i => new DemoProduct($"SKU-{i:D5}", faker.Commerce.ProductName(), faker.Random.Number(3, 240) + faker.Random.ArrayElement([0.99m, 0.49m, 0m])))];

    private sealed record DemoProduct(string Sku, string Name, decimal Price);
}
