using System.Net;
using System.Net.Sockets;

namespace ConnectorHealth.TestSupport;

/// <summary>Whether a loopback port can be listened on now: how the test systems pick ports of their own.</summary>
public static class FreePorts
{
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
