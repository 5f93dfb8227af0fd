using System.Security.Cryptography;
using System.Text;

namespace Crm.Modules.Identity.SignIn.Setup;

/// <summary>
/// The one-time code that lets the first admin be created when no user exists and none is configured. Lives in
/// memory only: a restart with still no user makes a new one.
/// </summary>
internal sealed class SetupCode
{
    private readonly Lock _gate = new();
    private byte[]? _hash;

    /// <summary>Serialises setups, so that two requests racing cannot both create a first admin.</summary>
    public SemaphoreSlim Setup { get; } = new(1, 1);

    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _hash is not null;
            }
        }
    }

    /// <summary>Makes a new code (128 random bits, hex) and returns it for the log; only its hash is kept.</summary>
    public string Open()
    {
        var code = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        lock (_gate)
        {
            _hash = HashOf(code);
        }

        return code;
    }

    /// <summary>Compares in constant time (hashes of equal length), so the answer's timing leaks nothing of the code.</summary>
    public bool Matches(string? candidate)
    {
        byte[]? expected;
        lock (_gate)
        {
            expected = _hash;
        }

        var actual = HashOf(candidate ?? "");
        return expected is not null && CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    public void Close()
    {
        lock (_gate)
        {
            _hash = null;
        }
    }

    private static byte[] HashOf(string code) => SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim()));
}
