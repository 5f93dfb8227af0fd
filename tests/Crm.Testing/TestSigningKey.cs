using System.Security.Cryptography;

namespace Crm.Testing;

public static class TestSigningKey
{
    /// <summary>A fresh ECDSA P-256 private key in PEM, as <c>Auth:Jwt:SigningKey</c> takes it.</summary>
    public static string NewPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }
}
