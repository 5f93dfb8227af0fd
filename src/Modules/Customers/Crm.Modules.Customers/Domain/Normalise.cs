namespace Crm.Modules.Customers.Domain;

/// <summary>The one place where client text becomes stored text, so that REST, bulk and CSV store the same thing.</summary>
internal static class Normalise
{
    public static string Email(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Trimmed; empty becomes null.</summary>
    public static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public static string? Gender(string? value) => Text(value)?.ToLowerInvariant();

    public static string? Country(string? value) => Text(value)?.ToUpperInvariant();

    /// <summary>Tags and preferences: trimmed, lower case, distinct, in first-seen order, empties dropped.</summary>
    public static List<string> Labels(IEnumerable<string> labels) =>
        [.. labels.Select(label => label.Trim().ToLowerInvariant()).Where(label => label.Length > 0).Distinct(StringComparer.Ordinal)];
}
