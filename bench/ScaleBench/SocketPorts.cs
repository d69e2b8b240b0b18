using System.Globalization;

namespace ConnectorHealth.ScaleBench;

// The local TCP ports of the sockets some processes hold open, read from /proc: each process's file descriptors name their
// sockets' inodes (socket:[inode]), and /proc/<pid>/net/tcp{,6} lists every socket with its inode and local address. The
// ports are what PostgreSQL shows as pg_stat_activity.client_port, so a session can be told to belong to a process.
internal static class SocketPorts
{
    public static HashSet<int> Of(IEnumerable<int> pids)
    {
        var ports = new HashSet<int>();
        foreach (var pid in pids)
        {
            var inodes = Inodes(pid);
            foreach (var table in new[] { $"/proc/{pid}/net/tcp", $"/proc/{pid}/net/tcp6" })
            {
                foreach (var line in ReadLines(table).Skip(1))
                {
                    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 9 && inodes.Contains(fields[9]))
                    {
                        ports.Add(int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    }
                }
            }
        }
        return ports;
    }

    private static HashSet<string> Inodes(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var descriptor in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                if (new FileInfo(descriptor).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone meanwhile, or not ours to read: no ports.
        }
        return inodes;
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
