using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ConnectorHealth.AppHost.Infrastructure;

namespace ConnectorHealth.IntegrationTests.Infrastructure;

internal static class TestProcess
{
    public static Process Start(LaunchSpec launch, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(launch.Command)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in launch.Args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{launch.Command} did not start");
        // Drain the output so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits until <paramref name="ready"/> answers true, failing at once if the process exits first.</summary>
    public static Task WaitUntilReadyAsync(Process process, Func<Task<bool>> ready, TimeSpan timeout) =>
        Poll.UntilAsync(async () => process.HasExited
            ? throw new InvalidOperationException($"{process.StartInfo.FileName} exited with code {process.ExitCode} while starting")
            : await ready(),
            $"{process.StartInfo.FileName} to accept connections", timeout);

    public static async Task StopAsync(Process? process, int signal)
    {
        if (process is null || process.HasExited)
        {
            return;
        }
        HostCommand.Run("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}

internal static class TestPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static class TestDirectories
{
    /// <summary>Under /tmp with default permissions, so the postgres system user can reach it when tests run as root.</summary>
    public static string Create(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), $"connectorhealth-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left under /tmp; nothing depends on it.
        }
    }
}
