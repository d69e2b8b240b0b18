using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.PipelineBench;

// Where each process's CPU goes, sampled by the kernel (Linux perf, every CPU, a fixed frequency) while the pipeline is
// saturated: the share of each process's on-CPU samples by area (the garbage collector, the JIT, the kernel, Npgsql,
// MassTransit, the product's own code…) and its hottest functions. Managed code is named through the .NET runtime's perf
// map (DOTNET_PerfMapEnabled=1, set on the services by the bench when it profiles).
internal sealed record ProfileShare(string Name, double Percent);

// Samples: all of the process's; Late: those the hypervisor delivered late (at the next interrupt enable in the kernel), whose
// code is unknown; Areas and Hottest are shares of the others. KernelShare: system time of all CPU time by the kernel's own
// accounting (/proc/<pid>/stat) over the sampled seconds, the figure to trust for kernel versus user time.
internal sealed record ProcessProfile(
    string Process, long Samples, long Late, double KernelShare, IReadOnlyList<ProfileShare> Areas, IReadOnlyList<ProfileShare> Hottest);

internal sealed record CpuProfileResult(
    string? Unavailable, int Frequency, double Seconds, WindowResult? Window, IReadOnlyList<ProcessProfile> Processes)
{
    public static CpuProfileResult Skipped(string why) => new(why, 0, 0, null, []);
}

internal static partial class CpuProfile
{
    public const int Frequency = 199;

    public static readonly string[] Profiled =
        [ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting, ResourceNames.Postgres, ResourceNames.Messaging];

    private const string PerfMapVariable = "DOTNET_PerfMapEnabled";

    // Since .NET 7 JIT-compiled code runs from a second, executable mapping of a memfd ("doublemapper"), which perf does
    // not look up in the perf map: with W^X off, the code lies in anonymous memory, where it does.
    private const string WriteXorExecuteVariable = "DOTNET_EnableWriteXorExecute";

    /// <summary>Null when `perf` can sample this machine; else why not.</summary>
    public static async Task<string?> UnavailableAsync()
    {
        try
        {
            var (code, _, error) = await PerfAsync(["record", "-F", "99", "-a", "-o", "/dev/null", "--", "true"]);
            return code == 0 ? null : $"perf record failed ({code}): {error.Trim().Split('\n')[0]}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "perf is not installed (Debian: apt-get install linux-perf)";
        }
    }

    /// <summary>Environment variables that make the services write a perf map of their JIT-compiled code that perf finds.</summary>
    public static IReadOnlyDictionary<string, string> PerfMapEnvironment { get; } = new Dictionary<string, string>
    {
        [PerfMapVariable] = "1",
        [WriteXorExecuteVariable] = "0",
    };

    /// <summary>
    /// One saturation window of the pipeline, sampled by perf for `seconds` after its ramp-up; then each watched process's
    /// samples summed by area and by function.
    /// </summary>
    public static async Task<CpuProfileResult> RunAsync(
        PipelineBenchOptions options, IngestBench ingest, BenchSession session, TimeSpan seconds, Action<string> say)
    {
        if (await UnavailableAsync() is { } why)
        {
            say($"CPU profile skipped: {why}.");
            return CpuProfileResult.Skipped(why);
        }
        say($"CPU profile: perf samples every CPU {Frequency} times a second for {seconds.TotalSeconds:N0} s of a saturated pipeline…");
        var data = Path.Combine(Path.GetTempPath(), $"connectorhealth-pipeline-{Guid.NewGuid():N}.perf");
        var trees = session.Watch.ProcessIds();
        try
        {
            var warmUp = PipelineBenchOptions.WarmUpOf(seconds);
            var connectors = RunFactory.Names("profile", options.Connectors);
            var window = Saturation.RunAsync(0, ingest.Pipeline(connectors), new RunFactory(connectors, options.Seed + 500), warmUp + seconds + TimeSpan.FromSeconds(1),
                warmUp, options.InFlight, options.Backlog, session.Watch, say);
            await Task.Delay(warmUp);
            var timesBefore = trees.ToDictionary(t => t.Key, t => ProcessWatch.CpuTimes(t.Value));
            var (code, _, error) = await PerfAsync(
                ["record", "-F", Frequency.ToString(CultureInfo.InvariantCulture), "-a", "-o", data, "--", "sleep", seconds.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)]);
            var timesAfter = trees.ToDictionary(t => t.Key, t => ProcessWatch.CpuTimes(t.Value));
            var result = await window;
            if (code != 0)
            {
                return CpuProfileResult.Skipped($"perf record failed ({code}): {error.Trim()}");
            }
            var processes = new List<ProcessProfile>();
            foreach (var name in Profiled)
            {
                if (trees.TryGetValue(name, out var pids) && pids.Count > 0)
                {
                    var (user, system) = (timesAfter[name].User - timesBefore[name].User, timesAfter[name].System - timesBefore[name].System);
                    processes.Add(await ReadAsync(data, name, pids, user + system > 0 ? (double)system / (user + system) : 0));
                }
            }
            say($"  {result.EndToEndPerSecond:N0} runs/s while sampled; " + string.Join(", ", processes.Select(p =>
                $"{p.Process}: {string.Join(", ", p.Areas.Take(3).Select(a => $"{a.Name} {a.Percent:N0} %"))}")));
            return new CpuProfileResult(null, Frequency, seconds.TotalSeconds, result, processes);
        }
        finally
        {
            if (options.KeepProfile)
            {
                say($"  perf data kept: perf report -i {data} (the services' perf maps stay in /tmp)");
            }
            else
            {
                File.Delete(data);
                File.Delete(data + ".old");
                foreach (var pid in trees.Values.SelectMany(p => p))
                {
                    File.Delete($"/tmp/perf-{pid}.map");
                    File.Delete($"/tmp/perfinfo-{pid}.map");
                }
            }
        }
    }

    // `perf report` of one process tree: its samples by module and function, each line "percent samples module [.] symbol".
    private static async Task<ProcessProfile> ReadAsync(string data, string name, IReadOnlyList<int> pids, double kernelShare)
    {
        var (_, output, _) = await PerfAsync(
            ["report", "-i", data, "--stdio", "--no-children", "-n", "--percentage", "relative", "--sort", "dso,sym",
             "--pid", string.Join(",", pids), "--percent-limit", "0"]);
        var rows = new List<(string Module, string Symbol, long Samples)>();
        foreach (var line in output.Split('\n'))
        {
            if (ReportLine().Match(line) is { Success: true } match)
            {
                rows.Add((match.Groups["module"].Value, match.Groups["symbol"].Value.Trim(), long.Parse(match.Groups["samples"].Value, CultureInfo.InvariantCulture)));
            }
        }
        var late = rows.Where(r => IsLate(r.Symbol)).Sum(r => r.Samples);
        var all = rows.Sum(r => r.Samples);
        rows.RemoveAll(r => IsLate(r.Symbol));
        var total = Math.Max(1, rows.Sum(r => r.Samples));
        var areas = rows.GroupBy(r => Area(r.Module, r.Symbol))
            .Select(g => new ProfileShare(g.Key, 100.0 * g.Sum(r => r.Samples) / total))
            .OrderByDescending(a => a.Percent).ToList();
        var hottest = rows.GroupBy(r => Shorten(r.Module, r.Symbol))
            .Select(g => new ProfileShare(g.Key, 100.0 * g.Sum(r => r.Samples) / total))
            .OrderByDescending(s => s.Percent).Take(12).ToList();
        return new ProcessProfile(name, all, late, kernelShare, areas, hottest);
    }

    // In a paravirtualised guest the sampling timer's interrupt waits while the kernel has interrupts off, and is taken
    // when it turns them on again: such a sample lands on the function that enables interrupts, not on the work it
    // interrupted (user code included: the kernel's own accounting shows far less system time than these samples would).
    private static bool IsLate(string symbol) =>
        symbol.StartsWith("[k]", StringComparison.Ordinal) && (symbol.Contains("irq_enable", StringComparison.Ordinal)
            || symbol.Contains("restore_fl", StringComparison.Ordinal) || symbol.Contains("irqrestore", StringComparison.Ordinal));

    // What a sample was doing, by where its code lives: native modules by name, managed code by its namespace.
    public static string Area(string module, string symbol)
    {
        if (module.StartsWith("[kernel", StringComparison.Ordinal) || symbol.StartsWith("[k]", StringComparison.Ordinal))
        {
            return "kernel (network, scheduling, syscalls)";
        }
        if (module.Contains("libcoreclr", StringComparison.Ordinal))
        {
            return symbol.Contains("gc_heap", StringComparison.Ordinal) || symbol.Contains("GC", StringComparison.Ordinal) || symbol.Contains("WKS::", StringComparison.Ordinal)
                || symbol.Contains("SVR::", StringComparison.Ordinal) || symbol.Contains("Alloc", StringComparison.Ordinal)
                ? ".NET garbage collector and allocation" : ".NET runtime (GC, type system, stubs: no symbols here)";
        }
        if (module.Contains("libclrjit", StringComparison.Ordinal))
        {
            return ".NET JIT";
        }
        if (module.StartsWith("libc", StringComparison.Ordinal) || module.StartsWith("libpthread", StringComparison.Ordinal)
            || module.StartsWith("ld-linux", StringComparison.Ordinal) || module.StartsWith("libm", StringComparison.Ordinal))
        {
            return "C library";
        }
        if (module.StartsWith("libSystem.", StringComparison.Ordinal))
        {
            return ".NET native shims (sockets, crypto)";
        }
        if (module.StartsWith("libssl", StringComparison.Ordinal) || module.StartsWith("libcrypto", StringComparison.Ordinal))
        {
            return "OpenSSL";
        }
        if (module == "postgres")
        {
            return "PostgreSQL server";
        }
        if (module.StartsWith("beam", StringComparison.Ordinal))
        {
            return "Erlang VM (RabbitMQ)";
        }
        if (!IsManaged(module))
        {
            return module == "[unknown]" ? "unnamed code" : $"other native ({module})";
        }
        // Managed: perf map names read "[Assembly] Namespace.Type::Method(…)[tier]".
        foreach (var (prefix, area) in ManagedAreas)
        {
            if (symbol.Contains(prefix, StringComparison.Ordinal))
            {
                return area;
            }
        }
        return "other .NET libraries (CoreLib: tasks, collections, strings)";
    }

    private static readonly (string Prefix, string Area)[] ManagedAreas =
    [
        ("ConnectorHealth.", "ConnectorHealth's own code"),
        ("Npgsql", "Npgsql (PostgreSQL client)"),
        ("MassTransit", "MassTransit"),
        ("RabbitMQ.Client", "RabbitMQ.Client"),
        ("System.Text.Json", "System.Text.Json"),
        ("OpenTelemetry", "OpenTelemetry"),
        ("System.Diagnostics", "System.Diagnostics (activities, metrics)"),
        ("Microsoft.Extensions.Logging", "logging"),
        ("Microsoft.Extensions", "Microsoft.Extensions (DI, options, resilience)"),
        ("Microsoft.AspNetCore", "ASP.NET Core"),
        ("System.Net", "System.Net (sockets, HTTP)"),
        ("System.Linq", "LINQ"),
        ("System.Threading", "threads, tasks and channels"),
        ("System.Runtime.CompilerServices", "async state machines"),
    ];

    // JIT-compiled code, named from the perf map ("[JIT] tid <pid>", or "perf-<pid>.map" in older perf), or a managed assembly.
    private static bool IsManaged(string module) =>
        module.StartsWith("[JIT]", StringComparison.Ordinal) || module.StartsWith("perf-", StringComparison.Ordinal)
        || module.EndsWith(".dll", StringComparison.Ordinal);

    // A function's name as the report shows it: managed ones as Namespace.Type::Method (perf maps write the return type,
    // the assembly in brackets, the arguments and the tier), native ones with their module; at most 110 characters.
    private static string Shorten(string module, string symbol)
    {
        var text = symbol.StartsWith("[.]", StringComparison.Ordinal) || symbol.StartsWith("[k]", StringComparison.Ordinal) ? symbol[3..].Trim() : symbol;
        if (text.StartsWith("0x", StringComparison.Ordinal))
        {
            text = "(unnamed)";
        }
        else if (IsManaged(module))
        {
            var paren = text.IndexOf('(', StringComparison.Ordinal);
            text = paren > 0 ? text[..paren] : text;
            var assembly = text.LastIndexOf("] ", StringComparison.Ordinal);
            text = assembly >= 0 ? text[(assembly + 2)..] : text;
        }
        var named = IsManaged(module) && text != "(unnamed)" ? text : $"{text} ({module})";
        return named.Length <= 110 ? named : named[..107] + "…";
    }

    private static async Task<(int Code, string Output, string Error)> PerfAsync(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("perf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex(@"^\s*(?<percent>[\d.]+)%\s+(?<samples>\d+)\s+(?<module>.+?)\s+(?<symbol>\[[.k]\].*)$")]
    private static partial Regex ReportLine();
}
