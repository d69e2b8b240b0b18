namespace ConnectorHealth.PipelineBench;

// Section 4: memory, CPU, database size and start-up.
internal static partial class PipelineReport
{
    private static IEnumerable<string> FootprintSection(PipelineResults results)
    {
        var options = results.Options;
        yield return "## 4. Footprint";
        yield return "";
        var first = results.Throughput[0].Start;
        var last = results.Throughput[^1].End;
        var runs = results.Throughput.Sum(w => w.Published);
        var cpuSeconds = ProcessSnapshot.CpuSeconds(first, last);
        var machineSeconds = (last.MachineBusyTicks - first.MachineBusyTicks) / ProcessSnapshot.TicksPerSecond;
        yield return $"Resident memory (VmRSS summed over the process and its children) idle, {options.IdleSettle.TotalSeconds + options.IdleWindow.TotalSeconds:N0} s after "
            + $"every resource was healthy, and the peak while the windows ran; CPU idle (over {options.IdleWindow.TotalSeconds:N0} s with no load, after "
            + $"{options.IdleSettle.TotalSeconds:N0} s to settle) and CPU seconds (utime + stime) per 1,000 runs over all {results.Throughput.Count} windows with their drains "
            + $"({runs:N0} runs). {ProcessWatch.Orchestrator}: Aspire's orchestrator, which runs the resources (part of the AppHost, not of a deployment).";
        yield return "";
        yield return "| Process tree | Processes | RSS idle MB | RSS peak under load MB | CPU idle % | CPU s / 1,000 runs |";
        yield return "|---|---|---:|---:|---:|---:|";
        foreach (var group in Groups)
        {
            var peak = results.Throughput.Max(w => w.PeakRssKb.GetValueOrDefault(group));
            yield return $"| {group} | {(group == ProcessWatch.Bench ? "this bench (load generator)" : results.ProcessTrees.GetValueOrDefault(group, "?"))} | "
                + $"{results.Idle.RssKb.GetValueOrDefault(group) / 1024.0:N0} | {peak / 1024.0:N0} | {results.IdleCpuPercent.GetValueOrDefault(group):N1} | "
                + $"{cpuSeconds.GetValueOrDefault(group) / (runs / 1000.0):N3} |";
        }
        yield return $"| whole machine | | | | {results.IdleCpuPercent.GetValueOrDefault("machine"):N1} | {machineSeconds / (runs / 1000.0):N3} |";
        yield return "";
        yield return "Database size per million runs: each schema's tables with indexes and TOAST (pg_total_relation_size), growth over the windows divided "
            + "by the rows its runs table gained.";
        yield return "";
        yield return "| Schema | MB before | MB after | runs before | runs after | MB per million runs (= bytes per run) |";
        yield return "|---|---:|---:|---:|---:|---:|";
        foreach (var schema in BenchDatabase.Schemas)
        {
            var (before, after) = (results.SizesBefore[schema], results.SizesAfter[schema]);
            var perRun = (double)(after.Bytes - before.Bytes) / Math.Max(1, after.Runs - before.Runs);
            yield return $"| {schema} | {before.Bytes / 1e6:N1} | {after.Bytes / 1e6:N1} | {before.Runs:N0} | {after.Runs:N0} | {perRun:N0} |";
        }
        yield return "";
        yield return $"Start-up, from starting the AppHost (PostgreSQL's initdb included) to each resource healthy: "
            + string.Join(", ", results.HealthyAfterSeconds.OrderBy(h => h.Value).Select(h => $"{h.Key} {h.Value:N1} s")) + ".";
    }
}
