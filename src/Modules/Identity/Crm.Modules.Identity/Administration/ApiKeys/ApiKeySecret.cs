using System.Security.Cryptography;
using System.Text;

namespace Crm.Modules.Identity.Administration.ApiKeys;

/// <summary>
/// The text of an API key: <c>crm_&lt;prefix&gt;_&lt;secret&gt;</c>. The prefix (48 random bits, hex) is public and
/// shown in lists; the secret is 256 random bits (base64url). Only the SHA-256 of the whole text is stored: a key has
/// full entropy, so a fast hash is enough and lets every request find its key by an index lookup.
/// </summary>
internal static class ApiKeySecret
{
    private const string Start = "crm_";
    private const int PrefixBytes = 6;
    private const int SecretBytes = 32;

    public static (string Key, string Prefix) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixBytes));
        var secret = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return ($"{Start}{prefix}_{secret}", prefix);
    }

    /// <summary>Whether <paramref name="key"/> has the shape of a key this class makes (cheap refusal of junk before any lookup).</summary>
    public static bool HasShape(string key) =>
        key.Length is > 30 and < 200
        && key.StartsWith(Start, StringComparison.Ordinal)
        && key.IndexOf('_', Start.Length) == Start.Length + (PrefixBytes * 2);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Compares two hashes in time independent of where they differ.</summary>
    public static bool SameHash(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
