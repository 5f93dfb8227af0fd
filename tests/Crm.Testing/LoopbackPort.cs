using System.Net;
using System.Net.Sockets;

namespace Crm.Testing;

public static class LoopbackPort
{
    /// <summary>A loopback port nobody listens on: bound by us, then released, for a server to take or a client to be refused.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
