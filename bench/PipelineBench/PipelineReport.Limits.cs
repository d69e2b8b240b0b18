using ConnectorHealth.DriftBench;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.PipelineBench;

// "What limits it": what the counters say about each target that was missed.
internal static partial class PipelineReport
{
    // What the counters say about each target that was missed.
    private static IEnumerable<string> Limits(PipelineResults results, double ingest, double share, Percentile[] latencies)
    {
        var windows = results.Throughput;
        double Median(Func<WindowResult, double> figure) => Spread.Of([.. windows.Select(figure)]).Median;
        var cpu = new[] { "machine" }.Concat(Groups).ToDictionary(g => g, g => Median(w => w.CpuPercent.GetValueOrDefault(g)));
        var capacity = results.Machine.Cores * 100.0;
        var thousands = windows.Sum(w => w.Published) / 1000.0;
        var cpuSeconds = ProcessSnapshot.CpuSeconds(windows[0].Start, windows[^1].End);
        var machineSeconds = (windows[^1].End.MachineBusyTicks - windows[0].Start.MachineBusyTicks) / ProcessSnapshot.TicksPerSecond / thousands;
        var slowest = windows.GroupBy(w => w.Slowest).OrderByDescending(g => g.Count()).First().Key;

        if (ingest >= TargetRunsPerSecond)
        {
            yield return $"Ingest meets its target ({ingest:N0} runs/s).";
        }
        else
        {
            var growing = Sinks.Select((s, i) => (Queue: $"{s}-run-completed", Growth: Median(w => w.ReadyGrowthPerSecond[i]),
                    AtCap: windows.Count(w => w.ReadyAtEnd[i] >= results.Options.Backlog * 0.8) * 2 > windows.Count))
                .Where(q => q.AtCap || q.Growth > Math.Max(5, ingest * 0.02))
                .ToList();
            yield return $"Ingest is {ingest:N0} runs/s, below {TargetRunsPerSecond:N0}. "
                + (growing.Count > 0 ? $"Slowest service: {slowest}" : "No service fell behind")
                + "; landed per second (median): " + string.Join(", ", Sinks.Select((s, i) => $"{s} {Median(w => w.LandedPerSecond[i]):N0}"))
                + $", published {Median(w => w.PublishedPerSecond):N0}.";
            yield return growing.Count > 0
                ? "Queues that grew while runs were published (ready messages, median): "
                    + string.Join(", ", growing.Select(q => $"{q.Queue} +{q.Growth:N0}/s{(q.AtCap ? $", at the {results.Options.Backlog:N0} cap" : "")}"))
                    + $"; the publisher was held back {Median(w => w.ThrottledShare):P0} of the time: these consumers take fewer runs than are offered."
                : cpu["machine"] >= capacity * 0.9
                    ? "No queue grew: each service took what was published, and publishing got no faster because the machine had no CPU left (below)."
                    : $"No queue grew and the machine had CPU to spare: the publisher ({results.Options.InFlight} publishes awaiting confirmation) is the limit.";
            yield return $"CPU: the machine was {cpu["machine"]:N0} % busy of {capacity:N0} %{(cpu["machine"] >= capacity * 0.9 ? " (CPU-bound)" : "")}; by process: "
                + string.Join(", ", Groups.OrderByDescending(g => cpu[g]).Where(g => cpu[g] >= 1).Select(g => $"{g} {cpu[g]:N0} %"))
                + $", other {Median(w => w.CpuPercent.GetValueOrDefault("other")):N0} %. "
                + (Groups.Where(g => cpu[g] >= 90).ToList() is { Count: > 0 } saturated
                    ? $"At a full core or more: {string.Join(", ", saturated)}."
                    : "No process is near a full core: the work is spread over all of them.");
            yield return $"CPU per 1,000 runs, whole machine: {machineSeconds:N2} s ("
                + string.Join(", ", Groups.Where(g => cpuSeconds.GetValueOrDefault(g) / thousands >= 0.01).OrderByDescending(g => cpuSeconds[g])
                    .Select(g => $"{g} {cpuSeconds[g] / thousands:N2}"))
                + $"). At that cost {results.Machine.Cores} cores carry at most {capacity * 10 / machineSeconds:N0} runs/s; "
                + $"{TargetRunsPerSecond:N0} runs/s needs {capacity / 100 * 1000 / TargetRunsPerSecond:N2} s per 1,000 runs. For scale, MassTransit alone "
                + $"(the bare fan-out's bench process: one publish and three no-op consumes) cost {BareCpuPerMessage(results):N2} s per 1,000 messages: "
                + $"{TargetRunsPerSecond:N0} messages/s of that alone would take {BareCpuPerMessage(results) * TargetRunsPerSecond / 1000:N1} cores, before the broker, "
                + "the database and the services' own work.";
            if (results.Profile.Processes.Count > 0)
            {
                yield return "Inside the processes (perf, § 8; shares of the samples taken where the code ran): "
                    + string.Join("; ", results.Profile.Processes.Select(p => $"{p.Process}: "
                        + string.Join(", ", p.Areas.Take(3).Select(a => $"{a.Name} {a.Percent:N0} %"))))
                    + ". In the .NET services the C library's share is mostly memset, the runtime clearing memory for new objects: "
                    + "allocation, with reading each message's JSON (its 1–5 KB payload is parsed by drift only; metrics and alerting skip it), is what a run costs them.";
            }
            yield return $"Idle (no load), the system already keeps {results.IdleCpuPercent.GetValueOrDefault("machine"):N0} % of the machine busy: "
                + string.Join(", ", Groups.Where(g => g != ProcessWatch.Bench && results.IdleCpuPercent.GetValueOrDefault(g) >= 1).OrderByDescending(g => results.IdleCpuPercent[g])
                    .Select(g => $"{g} {results.IdleCpuPercent[g]:N0} %")) + ".";
        }

        yield return share >= TargetShareOfBare
            ? $"The pipeline reaches {share:P0} of the bare fan-out (target {TargetShareOfBare:P0})."
            : $"The pipeline reaches {share:P0} of the bare fan-out, below {TargetShareOfBare:P0}: bare, the machine was "
                + $"{Spread.Of([.. results.Baseline.Select(w => w.CpuPercent["machine"])]).Median:N0} % busy (messaging "
                + $"{Spread.Of([.. results.Baseline.Select(w => w.CpuPercent[ResourceNames.Messaging])]).Median:N0} %, bench "
                + $"{Spread.Of([.. results.Baseline.Select(w => w.CpuPercent[ProcessWatch.Bench])]).Median:N0} %); with the pipeline, the services' work per run (above) comes on top.";

        if (latencies.All(p => p.P99 < TargetP99Milliseconds))
        {
            yield return "Every detection latency meets its p99 target.";
        }
        else
        {
            var samples = results.Latency.Samples;
            yield return $"Latency: a p99 is above {TargetP99Milliseconds:N0} ms. Stored-at p99 (services' own clocks): drift event "
                + $"{Ms(Percentile.Of(samples.Select(s => s.DriftEventDetected)).P99)}, schema_drift alert {Ms(Percentile.Of(samples.Select(s => s.DriftAlertCreated)).P99)}, "
                + $"consecutive_failures alert {Ms(Percentile.Of(samples.Select(s => s.FailureAlertCreated)).P99)}; most ready messages during the phase "
                + $"(metrics / drift / alerting): {string.Join(" / ", results.Latency.MaxReady.Select(Count))}.";
        }
    }
}
