using System.Linq.Expressions;

namespace Crm.SharedKernel.Tests.Store;

/// <summary>A predicate the contract runs, with the ids it must match in <see cref="ContractPredicates.Seed"/>.</summary>
public sealed record ContractPredicate(string Name, Expression<Func<ContractCustomer, bool>> Predicate, params string[] Expected)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every predicate the contract suite uses, in one place, so the same list also renders through MongoDB's LINQ
/// provider (MongoLinqRenderingTests). Values are captured in the forms modules write: constants, static fields,
/// locals of a builder method, collections.
/// </summary>
public static class ContractPredicates
{
    public static readonly DateTimeOffset Since = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly string[] Names = ["Bob", "Abxc", "nobody"];

    public static readonly List<string> NameList = ["Alice", "alice"];

    public static readonly HashSet<string> EmailSet = ["bob@example.com", "x@example.com"];

    public static readonly ContractTier[] Tiers = [ContractTier.Bronze, ContractTier.Silver];

    public static readonly AgeThreshold Threshold = new(39);

    public static readonly ContractTier Premium = ContractTier.Gold;

    public static readonly int VisitFloor = 4;

    public static IReadOnlyList<ContractPredicate> All { get; } =
    [
        new("Name_equals_is_case_sensitive", x => x.Name == "Alice", "c1"),
        new("Name_not_equals", x => x.Name != "Alice", "c2", "c3", "c4", "c5", "c6", "c7", "c8"),
        new("Int_greater_than", x => x.Age > 30, "c3", "c4", "c8"),
        new("Int_range_with_and", x => x.Age >= 30 && x.Age < 40, "c1", "c4", "c7"),
        new("Int_or", x => x.Age < 20 || x.Age > 45, "c5", "c8"),
        new("Negated_comparison", x => !(x.Age > 30), "c1", "c2", "c5", "c6", "c7"),
        new("Constant_on_the_left", x => 30 < x.Age, "c3", "c4", "c8"),
        new("Long_beyond_int", x => x.Visits > 5_000_000_000L, "c3"),
        new("Decimal_greater_than", x => x.Balance > 10.5m, "c3", "c4", "c8"),
        new("Decimal_equal_whatever_its_scale", x => x.Balance == 10.5m, "c1", "c7"),
        new("Decimal_small_exact", x => x.Balance == 0.10m, "c2"),
        new("Decimal_against_computed_value", x => x.Balance > 2m * 5m, "c1", "c3", "c4", "c7", "c8"),
        new("Time_before", x => x.JoinedAt < new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), "c3"),
        new("Time_equal_to_the_millisecond", x => x.JoinedAt == new DateTimeOffset(2023, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), "c3"),
        new("Time_on_or_after_captured", x => x.JoinedAt >= Since, "c2", "c5", "c8"),
        new("Nullable_time_is_null", x => x.LastSeenAt == null, "c2", "c3", "c4", "c5", "c6", "c7", "c8"),
        new("Nested_property", x => x.Address!.City == "Paris", "c1"),
        new("Nested_property_not_equal_matches_missing_parent", x => x.Address!.City != "Paris", "c2", "c3", "c4", "c5", "c6", "c7", "c8"),
        new("Dictionary_value", x => x.Attributes["tier"] == "vip", "c1", "c4"),
        new("Dictionary_value_under_a_key_that_needs_quoting", x => x.Attributes["plan-type"] == "pro", "c1"),
        new("Dictionary_key_missing_is_null", x => x.Attributes["tier"] == null, "c3", "c5", "c6", "c7", "c8"),
        new("Array_field_contains", x => x.Tags.Contains("vip"), "c1", "c4"),
        new("Array_field_enumerable_contains", x => Enumerable.Contains(x.Tags, "newsletter"), "c1", "c2", "c7"),
        new("Array_element_by_position", x => x.Tags[1] == "sale", "c7"),
        new("Array_without_a_first_element_is_empty", x => x.Tags[0] == null, "c3", "c5", "c8"),
        new("Array_with_a_first_element_is_not_empty", x => !(x.Tags[0] == null), "c1", "c2", "c4", "c6", "c7"),
        new("Array_field_not_contains", x => !x.Tags.Contains("vip"), "c2", "c3", "c5", "c6", "c7", "c8"),
        new("Captured_array_membership", x => Enumerable.Contains(Names, x.Name), "c3", "c8"),
        new("Captured_list_membership", x => NameList.Contains(x.Name), "c1", "c2"),
        new("Captured_hash_set_membership", x => EmailSet.Contains(x.Email), "c3", "c5"),
        new("Enum_equals", x => x.Tier == ContractTier.Gold, "c1", "c4", "c8"),
        new("Enum_not_equals", x => x.Tier != ContractTier.Gold, "c2", "c3", "c5", "c6", "c7"),
        new("Enum_membership", x => Enumerable.Contains(Tiers, x.Tier), "c2", "c3", "c5", "c6", "c7"),
        new("Bool_member", x => x.Active, "c1", "c3", "c4", "c6"),
        new("Negated_bool_member", x => !x.Active, "c2", "c5", "c7", "c8"),
        new("Bool_equals_false", x => x.Active == false, "c2", "c5", "c7", "c8"),
        new("Null_field_is_null", x => x.Nickname == null, "c2", "c4", "c5", "c6", "c7", "c8"),
        new("Field_is_not_null", x => x.Nickname != null, "c1", "c3"),
        new("Missing_field_is_null", x => x.Referrer == null, "c2", "c4", "c5", "c6", "c7"),
        new("Not_equals_matches_missing", x => x.Referrer != "friend", "c2", "c3", "c4", "c5", "c6", "c7"),
        new("Negated_equals_matches_missing", x => !(x.Referrer == "friend"), "c2", "c3", "c4", "c5", "c6", "c7"),
        new("Nullable_number_greater_than", x => x.Score > 4, "c1", "c4"),
        new("Negated_comparison_matches_null", x => !(x.Score > 4), "c2", "c3", "c5", "c6", "c7", "c8"),
        new("Nullable_has_value", x => x.Score.HasValue, "c1", "c3", "c4", "c6", "c7"),
        new("Prefix_is_case_sensitive", x => x.Name.StartsWith("Al"), "c1"),
        new("Prefix_with_percent", x => x.Name.StartsWith("50%"), "c4", "c5"),
        new("Prefix_with_underscore", x => x.Name.StartsWith("50_"), "c6"),
        new("Prefix_with_star", x => x.Name.StartsWith("Ab*"), "c7"),
        new("Substring_is_case_sensitive", x => x.Name.Contains("A"), "c1", "c7", "c8"),
        new("Substring_with_percent_and_underscore", x => x.Name.Contains("%_"), "c4"),
        new("Substring_with_star", x => x.Name.Contains("*"), "c4", "c7"),
        new("Substring_empty_matches_every_text_value_but_not_null", x => x.Nickname!.Contains(""), "c1", "c3"),
        new("Negated_substring_matches_null", x => !x.Nickname!.Contains("ob"), "c1", "c2", "c4", "c5", "c6", "c7", "c8"),
        new("Substring_of_a_dictionary_value", x => x.Attributes["tier"].Contains("i"), "c1", "c4"),
        new("Suffix_is_case_sensitive", x => x.Name.EndsWith("ice"), "c1", "c2"),
        new("Suffix_with_star", x => x.Name.EndsWith("*c"), "c7"),
        new("Suffix_with_underscore", x => x.Name.EndsWith("_off"), "c6"),
        new("Suffix_as_long_as_the_value", x => x.Name.EndsWith("Bob"), "c3"),
        new("Suffix_longer_than_the_value", x => x.Name.EndsWith("xBob")),
        new("Suffix_empty_matches_every_text_value_but_not_missing", x => x.Referrer!.EndsWith(""), "c1", "c3", "c8"),
        new("Negated_suffix_matches_missing", x => !x.Referrer!.EndsWith("end"), "c2", "c3", "c4", "c5", "c6", "c7"),
        new("Id_equals", x => x.Id == "c3", "c3"),
        new("Captured_object_member", x => x.Age > Threshold.Min, "c3", "c8"),
        new("Captured_local", AgeAbove(39), "c3", "c8"),
        new("Captured_enum_converted_by_the_compiler", x => x.Tier == Premium, "c1", "c4", "c8"),
        new("Captured_int_widened_to_a_long_field", x => x.Visits > VisitFloor, "c1", "c3", "c8"),
        new("Value_computed_by_a_method_call", x => x.JoinedAt > Since.AddDays(-1).AddMonths(6), "c5", "c8"),
        new("Nested_and_or_not", x => x.Active && (x.Tier == ContractTier.Gold || x.Age < 25) && !(x.Address!.City == "Paris"), "c4", "c6"),
        new("Or_of_negations", x => !(x.Age >= 30) || !x.Tags.Contains("newsletter"), "c2", "c3", "c4", "c5", "c6", "c8"),
    ];

    /// <summary>Constructs outside the subset; each must fail with an <c>UnsupportedQueryException</c> naming <c>Construct</c>.</summary>
    public static IReadOnlyList<(string Construct, Expression<Func<ContractCustomer, bool>> Predicate)> Unsupported { get; } =
    [
        ("ToLower", x => x.Name.ToLower() == "alice"),
        ("Equals", x => string.Equals(x.Name, "alice", StringComparison.OrdinalIgnoreCase)),
        ("Enumerable.Contains", x => Names.Contains(x.Name)),
        ("StringComparison", x => x.Name.EndsWith("ce", StringComparison.Ordinal)),
        ("StringComparison", x => x.Name.Contains("li", StringComparison.Ordinal)),
        ("Char", x => x.Name.Contains('l')),
    ];

    public static Expression<Func<ContractCustomer, bool>> AgeAbove(int min) => x => x.Age > min;

    /// <summary>The eight documents every predicate above is checked against.</summary>
    public static IReadOnlyList<ContractCustomer> Seed() =>
    [
        Customer("c1", "Alice", "alice@example.com", 30, 10, 10.50m, 4.5, At(2024, 1, 1), ContractTier.Gold, true, c =>
        {
            c.LastSeenAt = At(2024, 3, 1);
            c.Nickname = "Al";
            c.Referrer = "friend";
            c.Address = new ContractAddress { Street = "1 Rue", City = "Paris", PostalCode = "75001" };
            c.Attributes = new() { ["tier"] = "vip", ["plan-type"] = "pro" };
            c.Tags = ["vip", "newsletter"];
        }),
        Customer("c2", "alice", "alice2@example.com", 25, 3, 0.10m, null, At(2024, 6, 1), ContractTier.Silver, false, c =>
        {
            c.Address = new ContractAddress { City = "paris" };
            c.Attributes = new() { ["tier"] = "regular" };
            c.Tags = ["newsletter"];
        }),
        Customer("c3", "Bob", "bob@example.com", 40, 7_000_000_000, 100.00m, 3.0, new DateTimeOffset(2023, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), ContractTier.Bronze, true, c =>
        {
            c.Nickname = "Bobby";
            c.Referrer = "ad";
        }),
        Customer("c4", "50%_off*deal", "deal@example.com", 35, 1, 99.99m, 4.9, At(2024, 2, 1), ContractTier.Gold, true, c =>
        {
            c.Address = new ContractAddress { City = "Lyon" };
            c.Attributes = new() { ["tier"] = "vip" };
            c.Tags = ["vip"];
        }),
        Customer("c5", "50%x", "x@example.com", 18, 0, 0m, null, At(2025, 1, 1), ContractTier.Silver, false, c => c.Address = new ContractAddress { City = "Lyon" }),
        Customer("c6", "50_off", "off@example.com", 22, 2, 5m, 1.0, At(2024, 1, 1), ContractTier.Bronze, true, c => c.Tags = ["sale"]),
        Customer("c7", "Ab*c", "abc@example.com", 30, 4, 10.5m, 2.0, At(2024, 1, 2), ContractTier.Silver, false, c => c.Tags = ["newsletter", "sale"]),
        Customer("c8", "Abxc", "abxc@example.com", 50, 5, 1000m, null, At(2024, 12, 31), ContractTier.Gold, false, c => c.Referrer = "friend"),
    ];

    public static DateTimeOffset At(int year, int month, int day) => new(year, month, day, 0, 0, 0, TimeSpan.Zero);

    private static ContractCustomer Customer(
        string id, string name, string email, int age, long visits, decimal balance, double? score, DateTimeOffset joinedAt,
        ContractTier tier, bool active, Action<ContractCustomer> more)
    {
        var customer = new ContractCustomer
        {
            Id = id,
            Name = name,
            Email = email,
            Age = age,
            Visits = visits,
            Balance = balance,
            Score = score,
            JoinedAt = joinedAt,
            Tier = tier,
            Active = active,
        };
        more(customer);
        return customer;
    }
}

public sealed record AgeThreshold(int Min);
