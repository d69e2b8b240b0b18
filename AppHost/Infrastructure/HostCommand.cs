using System.Diagnostics;

namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>Runs a short-lived command and captures its output (initdb, chown, probes).</summary>
public static class HostCommand
{
    public sealed record Result(int ExitCode, string Output);

    public static Result Run(
        string command, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return new Result(-1, $"{command} did not finish within {timeout.TotalSeconds:F0} s");
            }
            return new Result(process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new Result(-1, $"{command} could not be started: {ex.Message}");
        }
    }
}
