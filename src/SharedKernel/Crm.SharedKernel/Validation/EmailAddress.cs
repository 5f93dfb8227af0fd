using System.Text.RegularExpressions;

namespace Crm.SharedKernel.Validation;

/// <summary>
/// The one rule for what Crm accepts as an email address, shared by every module that takes one, so that an email
/// an order accepts always makes a valid customer.
/// </summary>
public static partial class EmailAddress
{
    public const int MaxLength = 254;

    /// <summary>
    /// Deliberately simple: one <c>@</c>, a local part of at most 64 characters without spaces or specials, a dotted
    /// domain of letters, digits and hyphens. Surrounding spaces are ignored (they are trimmed when stored). The
    /// length limit (<see cref="MaxLength"/>) is a rule of its own, so that its message says what is wrong.
    /// </summary>
    public static bool IsValid(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        var trimmed = email.Trim();
        var at = trimmed.IndexOf('@', StringComparison.Ordinal);
        return at > 0
            && at == trimmed.LastIndexOf('@')
            && at <= 64
            && Shape().IsMatch(trimmed);
    }

    [GeneratedRegex(@"^[^\s@""(),:;<>\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
