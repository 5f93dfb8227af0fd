using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Crm.Modules.Identity.Administration;

/// <summary>
/// Random secrets handed out once (API keys, invitation codes) and kept only as their SHA-256. They carry 256 random
/// bits, so a fast hash is enough, and a lookup by hash needs no per-secret salt.
/// </summary>
internal static class Secrets
{
    public const int Bytes = 32;

    /// <summary>256 bits from the OS's generator, base64url (43 characters).</summary>
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(Bytes));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Compares two hashes in time independent of where they differ.</summary>
    public static bool SameHash(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
