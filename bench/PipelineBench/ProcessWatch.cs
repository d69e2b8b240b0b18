using System.Diagnostics;
using System.Globalization;

namespace ConnectorHealth.PipelineBench;

// CPU time and resident memory of named process trees, and of the whole machine, read from /proc.
internal sealed record ProcessSnapshot(
    DateTimeOffset At,
    IReadOnlyDictionary<string, long> CpuTicks,
    IReadOnlyDictionary<string, long> RssKb,
    IReadOnlyDictionary<string, int> Processes,
    long MachineBusyTicks,
    long MachineTotalTicks)
{
    public static double TicksPerSecond { get; } = ClockTicks();

    // Each tree's CPU between two snapshots, in % of one core; "machine" is the whole machine (100 % per core) and
    // "other" what no named tree accounts for.
    public static Dictionary<string, double> CpuPercent(ProcessSnapshot from, ProcessSnapshot to)
    {
        var seconds = (to.At - from.At).TotalSeconds;
        var percent = to.CpuTicks.ToDictionary(
            t => t.Key, t => Math.Max(0, t.Value - from.CpuTicks.GetValueOrDefault(t.Key)) / TicksPerSecond / seconds * 100);
        var totalTicks = to.MachineTotalTicks - from.MachineTotalTicks;
        var machine = totalTicks <= 0 ? 0 : (double)(to.MachineBusyTicks - from.MachineBusyTicks) / totalTicks * Environment.ProcessorCount * 100;
        percent["other"] = Math.Max(0, machine - percent.Values.Sum());
        percent["machine"] = machine;
        return percent;
    }

    public static Dictionary<string, double> CpuSeconds(ProcessSnapshot from, ProcessSnapshot to) =>
        to.CpuTicks.ToDictionary(t => t.Key, t => Math.Max(0, t.Value - from.CpuTicks.GetValueOrDefault(t.Key)) / TicksPerSecond);

    private static double ClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            var text = getconf.StandardOutput.ReadToEnd().Trim();
            getconf.WaitForExit();
            return double.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FormatException)
        {
            return 100; // USER_HZ on every common Linux build.
        }
    }
}

// Watches process trees by the pids at their roots: each root and everything below it (PostgreSQL's backends are children
// of its postmaster), except a `dotnet run` launcher, which the orchestrator starts for a service and which runs the service
// as its child: that one counts as the orchestrator's, not the service's. A service started as several replicas has one
// root per replica, summed under its name. The bench itself counts alone.
internal sealed class ProcessWatch(IReadOnlyDictionary<string, int[]> roots)
{
    public const string Bench = "bench";

    // Aspire's orchestrator (DCP), watched as a tree of its own when found (FindOrchestrator).
    public const string Orchestrator = "aspire-dcp";

    private readonly Dictionary<int, bool> _launchers = [];

    public ProcessSnapshot Take()
    {
        var (stats, children) = Scan();
        var ticks = new Dictionary<string, long>();
        var rss = new Dictionary<string, long>();
        var counts = new Dictionary<string, int>();
        foreach (var (name, tree) in Counted(children).Append(new(Bench, [Environment.ProcessId])))
        {
            ticks[name] = tree.Sum(pid => stats.TryGetValue(pid, out var s) ? s.User + s.System : 0);
            rss[name] = tree.Sum(ResidentKb);
            counts[name] = tree.Count(stats.ContainsKey);
        }
        var (busy, total) = MachineTicks();
        return new ProcessSnapshot(DateTimeOffset.UtcNow, ticks, rss, counts, busy, total);
    }

    // The pids each figure covers now, by tree.
    public Dictionary<string, List<int>> ProcessIds() => Counted(Scan().Children);

    // The processes each figure covers, by program.
    public Dictionary<string, string> Describe()
    {
        var (stats, children) = Scan();
        return Counted(children).ToDictionary(t => t.Key, t => string.Join(", ", t.Value.Where(stats.ContainsKey)
            .GroupBy(pid => NameOf(pid, stats[pid].Name)).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} ×{g.Count()}")));
    }

    // Each pid counts once. A tree that holds other trees (the orchestrator's holds every resource) keeps what they do not
    // count, `dotnet run` launchers included; any other tree leaves its launcher out.
    private Dictionary<string, List<int>> Counted(Dictionary<int, List<int>> children)
    {
        var trees = roots.ToDictionary(r => r.Key, r => (Roots: r.Value, Tree: Tree(r.Value, children)));
        var counted = new Dictionary<string, List<int>>();
        foreach (var (name, (own, tree)) in trees)
        {
            var nested = trees.Where(t => t.Key != name && !t.Value.Roots.Any(own.Contains) && t.Value.Roots.Any(tree.Contains))
                .SelectMany(t => t.Value.Tree.Where(pid => !IsLauncher(pid)))
                .ToHashSet();
            counted[name] = nested.Count > 0 ? [.. tree.Where(pid => !nested.Contains(pid))] : [.. tree.Where(pid => !IsLauncher(pid))];
        }
        return counted;
    }

    private static (Dictionary<int, (int Parent, long User, long System, string Name)> Stats, Dictionary<int, List<int>> Children) Scan()
    {
        var stats = new Dictionary<int, (int Parent, long User, long System, string Name)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ReadStat(pid) is { } stat)
            {
                stats[pid] = stat;
            }
        }
        return (stats, stats.GroupBy(p => p.Value.Parent, p => p.Key).ToDictionary(g => g.Key, g => g.ToList()));
    }

    private static List<int> Tree(int[] roots, Dictionary<int, List<int>> children)
    {
        var tree = roots.Distinct().ToList();
        var seen = tree.ToHashSet();
        for (var i = 0; i < tree.Count; i++)
        {
            if (children.TryGetValue(tree[i], out var below))
            {
                tree.AddRange(below.Where(seen.Add));
            }
        }
        return tree;
    }

    /// <summary>User and system CPU time (clock ticks) summed over the processes that still run.</summary>
    public static (long User, long System) CpuTimes(IEnumerable<int> pids)
    {
        long user = 0, system = 0;
        foreach (var pid in pids)
        {
            if (ReadStat(pid) is { } stat)
            {
                (user, system) = (user + stat.User, system + stat.System);
            }
        }
        return (user, system);
    }

    // /proc/<pid>/stat: "pid (comm) state ppid … utime stime …" (fields 4, 14 and 15); comm may hold spaces and parentheses.
    private static (int Parent, long User, long System, string Name)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // gone meanwhile
        }
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        var fields = text[(close + 2)..].Split(' ');
        return (int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[11], CultureInfo.InvariantCulture), long.Parse(fields[12], CultureInfo.InvariantCulture),
            text[(open + 1)..close]);
    }

    // Aspire's orchestrator (DCP), which the AppHost in this process started: it runs detached, watching this process.
    // `except`: the orchestrator of an AppHost this process started before, which may still be shutting down.
    public static int? FindOrchestrator(int? except = null)
    {
        var watched = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Arguments(pid) is [var program, "start-apiserver", .. var rest]
                && pid != except
                && Path.GetFileName(program) == "dcp"
                && rest.SkipWhile(a => a != "--monitor").Skip(1).FirstOrDefault() == watched)
            {
                return pid;
            }
        }
        return null;
    }

    private bool IsLauncher(int pid)
    {
        if (!_launchers.TryGetValue(pid, out var launcher))
        {
            var args = Arguments(pid);
            launcher = args.Length > 1 && Path.GetFileName(args[0]) == "dotnet" && args[1] == "run";
            _launchers[pid] = launcher;
        }
        return launcher;
    }

    // The kernel's name for a process, unless it is cut (15 characters) or a host (dotnet): then its command line's.
    private static string NameOf(int pid, string name)
    {
        if (name.Length < 15 && name != "dotnet")
        {
            return name;
        }
        var args = Arguments(pid);
        return args.Length == 0 ? name
            : Path.GetFileName(args[0]) == "dotnet" && args.Length > 1 ? $"dotnet {Path.GetFileName(args[1])}"
            : Path.GetFileName(args[0]);
    }

    private static string[] Arguments(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static long ResidentKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    // The first line of /proc/stat: user nice system idle iowait irq softirq steal …, in clock ticks.
    private static (long Busy, long Total) MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        return (total - fields[3] - fields[4], total);
    }
}
