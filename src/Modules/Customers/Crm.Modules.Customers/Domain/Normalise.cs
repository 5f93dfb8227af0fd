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
    public static List<string> Labels(IReadOnlyList<string> labels)
    {
        // Runs for every row of a bulk call: a plain loop, and a linear duplicate check (a customer has a few labels).
        var normalised = new List<string>(labels.Count);
        foreach (var label in labels)
        {
            var trimmed = label.AsSpan().Trim();
            if (trimmed.IsEmpty)
            {
                continue;
            }

            var text = trimmed.Length == label.Length && !NeedsLowering(trimmed) ? label : trimmed.ToString().ToLowerInvariant();
            if (!normalised.Contains(text, StringComparer.Ordinal))
            {
                normalised.Add(text);
            }
        }

        return normalised;
    }

    /// <summary>Whether <see cref="string.ToLowerInvariant()"/> could change <paramref name="text"/> (surrogates are left to it).</summary>
    private static bool NeedsLowering(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsSurrogate(c) || char.ToLowerInvariant(c) != c)
            {
                return true;
            }
        }

        return false;
    }
}
