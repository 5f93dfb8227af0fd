using Crm.SharedKernel.Documents;

namespace Crm.Benchmarks;

/// <summary>Shaped like the customer document the Customers module keeps: contact, profile, consent, tags, behaviour.</summary>
internal sealed class BenchCustomer : IDocument
{
    public string Id { get; set; } = "";

    public long Version { get; set; }

    public string Email { get; set; } = "";

    public string Name { get; set; } = "";

    public string? Phone { get; set; }

    public BenchProfile Profile { get; set; } = new();

    public List<string> Tags { get; set; } = [];

    public Dictionary<string, string> Attributes { get; set; } = [];

    public BenchConsent Consent { get; set; } = new();

    public BenchBehaviour Behaviour { get; set; } = new();

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class BenchProfile
{
    public string City { get; set; } = "";

    public string Country { get; set; } = "";

    public string Gender { get; set; } = "";

    public int Age { get; set; }
}

internal sealed class BenchConsent
{
    public bool Email { get; set; }

    public bool Sms { get; set; }

    public bool Push { get; set; }
}

internal sealed class BenchBehaviour
{
    public decimal TotalSpent { get; set; }

    public int VisitCount { get; set; }

    public int OrderCount { get; set; }

    public DateTimeOffset? LastOrderAt { get; set; }
}

internal static class BenchData
{
    private static readonly string[] Cities = ["Paris", "Lyon", "Berlin", "Madrid", "Rome", "Lisbon", "Vienna", "Prague", "Dublin", "Oslo"];
    private static readonly string[] Countries = ["FR", "DE", "ES", "IT", "PT", "AT", "CZ", "IE", "NO", "NL"];
    private static readonly string[] TagPool = ["vip", "newsletter", "churn-risk", "wholesale", "beta", "loyal"];

    /// <summary>Deterministic documents (seeded), so every run and every engine gets the same data.</summary>
    public static BenchCustomer[] Customers(int count, DateTimeOffset now)
    {
        var random = new Random(42);
        var customers = new BenchCustomer[count];
        for (var i = 0; i < count; i++)
        {
            customers[i] = new BenchCustomer
            {
                Id = $"c{i:D8}",
                Email = $"customer{i}@example.com",
                Name = $"Customer Number {i}",
                Phone = $"+3361{i:D7}",
                Profile = new BenchProfile
                {
                    City = Cities[random.Next(Cities.Length)],
                    Country = Countries[random.Next(Countries.Length)],
                    Gender = random.Next(2) == 0 ? "female" : "male",
                    Age = 18 + random.Next(60),
                },
                Tags = [TagPool[random.Next(TagPool.Length)], TagPool[random.Next(TagPool.Length)]],
                Attributes = new Dictionary<string, string> { ["plan"] = random.Next(3) == 0 ? "gold" : "basic", ["source"] = "web" },
                Consent = new BenchConsent { Email = random.Next(10) > 1, Sms = random.Next(2) == 0, Push = random.Next(3) == 0 },
                Behaviour = new BenchBehaviour
                {
                    TotalSpent = random.Next(0, 500_000) / 100m,
                    VisitCount = random.Next(200),
                    OrderCount = random.Next(40),
                    LastOrderAt = now.AddDays(-random.Next(400)),
                },
                CreatedAt = now.AddDays(-random.Next(1000)),
                UpdatedAt = now,
            };
        }

        return customers;
    }
}
