using ConnectorHealth.DriftBench;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.PipelineBench;

// Section 6: one replica against more.
internal static partial class PipelineReport
{
    private static IEnumerable<string> ReplicaSection(PipelineResults results)
    {
        yield return "## 6. 1 replica vs more replicas";
        yield return "";
        if (results.Scaled is not { } n)
        {
            yield return "Not measured (--replicas 1).";
            yield return "";
            yield break;
        }
        var options = results.Options;
        yield return $"A second AppHost start, the same in every way except {n.Replicas} replicas of {string.Join(", ", Sinks)} (Aspire's WithReplicas; "
            + "each replica is a resource instance with a suffixed name, and they share their service's queue as competing consumers). On it, "
            + $"only the ingest windows of sections 1 and 2 again: the bare fan-out on its broker ({options.Repeat} × {options.BaselineDuration.TotalSeconds:N0} s), then "
            + $"the pipeline ({options.Repeat} × {options.Duration.TotalSeconds:N0} s), with the same connectors and runs. Per-service CPU and memory are summed over "
            + "the service's replicas.";
        yield return "";
        yield return $"| Figure | 1 replica | {n.Replicas} replicas |";
        yield return "|---|---:|---:|";
        static Spread Of(IReadOnlyList<WindowResult> windows, Func<WindowResult, double> figure) => Spread.Of([.. windows.Select(figure)]);
        string Row(string figure, Func<WindowResult, double> value, string format, bool baseline = false)
        {
            var (one, many) = baseline ? (results.Baseline, n.Baseline) : (results.Throughput, n.Throughput);
            return $"| {figure} | {Of(one, value).Format(format)} | {Of(many, value).Format(format)} |";
        }
        yield return Row("Ingest end to end, runs/s", w => w.EndToEndPerSecond, "N0");
        for (var i = 0; i < Sinks.Length; i++)
        {
            var sink = i;
            yield return Row($"{Sinks[i]} landed/s", w => w.LandedPerSecond[sink], "N0");
        }
        yield return Row("Published/s", w => w.PublishedPerSecond, "N0");
        yield return Row("Publisher held back on a full queue, %", w => w.ThrottledShare * 100, "N0");
        yield return $"| Slowest service (most windows) | {Slowest(results.Throughput)} | {Slowest(n.Throughput)} |";
        yield return $"| All runs landed after the drain | {AllLanded(results.Throughput)} | {AllLanded(n.Throughput)} |";
        yield return Row("Bare MassTransit fan-out on the same broker, msg/s", w => w.EndToEndPerSecond, "N0", baseline: true);
        var shareOne = Of(results.Throughput, w => w.EndToEndPerSecond).Median / Of(results.Baseline, w => w.EndToEndPerSecond).Median;
        var shareMany = Of(n.Throughput, w => w.EndToEndPerSecond).Median / Of(n.Baseline, w => w.EndToEndPerSecond).Median;
        yield return $"| Pipeline's share of the bare fan-out | {shareOne:P0} | {shareMany:P0} |";
        foreach (var group in new[] { "machine", ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting, ResourceNames.Postgres, ResourceNames.Messaging, ProcessWatch.Orchestrator, ProcessWatch.Bench })
        {
            yield return Row($"CPU {group} %", w => w.CpuPercent.GetValueOrDefault(group), "N0");
        }
        foreach (var group in Sinks)
        {
            yield return $"| Peak RSS {group}, MB | {results.Throughput.Max(w => w.PeakRssKb.GetValueOrDefault(group)) / 1024.0:N0} | {n.Throughput.Max(w => w.PeakRssKb.GetValueOrDefault(group)) / 1024.0:N0} |";
        }
        yield return $"| Consumers on the metrics / drift / alerting queues | {string.Join(" / ", n.ConsumersOneReplica)} | {string.Join(" / ", n.Consumers)} |";
        yield return $"| AppHost start to every resource healthy | {results.HealthyAfterSeconds.Values.Max():N1} s | {n.HealthyAfterSeconds.Values.Max():N1} s |";
        yield return "";
        var (ingestOne, ingestMany) = (Of(results.Throughput, w => w.EndToEndPerSecond).Median, Of(n.Throughput, w => w.EndToEndPerSecond).Median);
        var (machineOne, machineMany) = (Of(results.Throughput, w => w.CpuPercent["machine"]).Median, Of(n.Throughput, w => w.CpuPercent["machine"]).Median);
        var capacity = results.Machine.Cores * 100.0;
        yield return $"With {n.Replicas} replicas ingest is {ingestMany / ingestOne:P0} of one replica's, the machine {machineMany:N0} % busy against "
            + $"{machineOne:N0} % (of {capacity:N0} %)"
            + (machineOne >= capacity * 0.9
                ? ": with one replica the cores were already full, so further replicas share the same CPU and add their own overhead."
                : ".");
        yield return "";
        yield return $"Processes with {n.Replicas} replicas: " + string.Join("; ", Sinks.Select(s => $"{s}: {n.ProcessTrees.GetValueOrDefault(s, "?")}")) + ".";
        yield return "";
        yield return $"Error queues (dead letters) after the {n.Replicas}-replica windows: "
            + string.Join(", ", Sinks.Select(s => $"{s} {DeadLetters(n.StateAfterThroughput[s])}")) + ".";
        yield return "";
    }

    private static string Slowest(IReadOnlyList<WindowResult> windows) =>
        windows.GroupBy(w => w.Slowest).OrderByDescending(g => g.Count()).First().Key;

    private static string AllLanded(IReadOnlyList<WindowResult> windows) =>
        windows.All(w => w.AllLanded) ? "yes" : $"NO ({windows.Count(w => !w.AllLanded)} windows)";
}
