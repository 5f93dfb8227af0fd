using System.Security.Cryptography;

namespace Crm.Modules.Identity.Administration.ApiKeys;

/// <summary>
/// The text of an API key: <c>crm_&lt;prefix&gt;_&lt;secret&gt;</c>. The prefix (48 random bits, hex) is public and
/// shown in lists so people can tell keys apart; the secret is 256 random bits. Only the SHA-256 of the whole text is
/// stored (<see cref="Secrets.Hash"/>).
/// </summary>
internal static class ApiKeySecret
{
    private const string Start = "crm_";
    private const int PrefixBytes = 6;

    public static (string Key, string Prefix) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixBytes));
        return ($"{Start}{prefix}_{Secrets.New()}", prefix);
    }

    /// <summary>Whether <paramref name="key"/> has the shape of a key this class makes (cheap refusal of junk before any lookup).</summary>
    public static bool HasShape(string key) =>
        key.Length is > 30 and < 200
        && key.StartsWith(Start, StringComparison.Ordinal)
        && key.IndexOf('_', Start.Length) == Start.Length + (PrefixBytes * 2);
}
