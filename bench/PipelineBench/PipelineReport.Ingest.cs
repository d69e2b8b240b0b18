using System.Globalization;
using ConnectorHealth.DriftBench;
using ConnectorHealth.Operations.SystemStatus;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.PipelineBench;

// Sections 1 and 2: ingest end to end, and the bare MassTransit fan-out it is set against.
internal static partial class PipelineReport
{
    private static IEnumerable<string> IngestSection(PipelineResults results)
    {
        var options = results.Options;
        yield return "## 1. Ingest throughput end to end";
        yield return "";
        yield return $"Each window publishes as fast as the pipeline takes the runs: up to {options.InFlight} publishes in flight, held back while any service's "
            + $"queue holds {options.Backlog:N0} or more ready messages (so the queues stay bounded and a queue sitting at that cap marks the service that "
            + "cannot keep up). Landed: rows of the window's connectors in metrics.runs, drift.runs and alerting.runs, counted every second; end to end "
            + "is the slowest of the three. Held back: share of the steady window the publisher waited on a full queue. After the window the queues "
            + "are drained; error queues are the services' dead-letter counts (GET /api/system/{service}).";
        yield return "";
        yield return "| Window | Published | Published/s | metrics/s | drift/s | alerting/s | End to end/s | Slowest | Held back | Ready at end (m / d / a) | Queue growth/s (m / d / a) | Drained after | All landed |";
        yield return "|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---:|---|";
        foreach (var w in results.Throughput)
        {
            yield return $"| {w.Repeat} | {w.Published:N0}{(w.PublishFailures > 0 ? $" ({w.PublishFailures:N0} failed: {w.PublishError})" : "")} | {w.PublishedPerSecond:N0} | "
                + $"{w.LandedPerSecond[0]:N0} | {w.LandedPerSecond[1]:N0} | {w.LandedPerSecond[2]:N0} | {w.EndToEndPerSecond:N0} | {w.Slowest} | {w.ThrottledShare:P0} | "
                + $"{string.Join(" / ", w.ReadyAtEnd.Select(Count))} | {string.Join(" / ", w.ReadyGrowthPerSecond.Select(g => g.ToString("+0;-0;0", CultureInfo.InvariantCulture)))} | "
                + $"{w.DrainSeconds:N0} s | {(w.AllLanded ? "yes" : "NO")} |";
        }
        yield return "";
        yield return $"- Error queues (dead letters) before → after the windows: {ErrorQueues(results.StateAtStart, results.StateAfterThroughput)}; after the latency phase: "
            + $"{string.Join(", ", Sinks.Select(s => $"{s} {DeadLetters(results.StateAtEnd[s])}"))}. Service status after the windows: "
            + $"{string.Join(", ", Sinks.Select(s => $"{s} {results.StateAfterThroughput[s].Status}{(results.StateAfterThroughput[s].Reasons.Count > 0 ? $" ({string.Join("; ", results.StateAfterThroughput[s].Reasons)})" : "")}"))}.";
        yield return "";
        yield return "CPU over the steady part of each window, median (min–max) over the windows:";
        yield return "";
        yield return $"| machine | {string.Join(" | ", Groups)} | other |";
        yield return $"|{string.Concat(Enumerable.Repeat("---:|", Groups.Length + 2))}";
        yield return $"| {string.Join(" | ", new[] { "machine" }.Concat(Groups).Append("other").Select(g => Spread.Of([.. results.Throughput.Select(w => w.CpuPercent.GetValueOrDefault(g))]).Format("N0") + " %"))} |";
        yield return "";
        foreach (var line in DatabaseWork(results))
        {
            yield return line;
        }
        yield return "";
        var counting = results.Throughput.SelectMany(w => w.Timeline).Select(s => s.CountMilliseconds).ToList();
        yield return $"Measurement overhead: counting the landed rows took {counting.Average():N0} ms a second on average ({counting.Max():N0} ms at most); "
            + "the bench process's own CPU (publishing, counting, watching) is the bench column.";
        yield return "";
        var median = results.Throughput.OrderBy(w => w.EndToEndPerSecond).ElementAt(results.Throughput.Count / 2);
        yield return $"Timeline of window {median.Repeat} (the median), every 5 s: runs/s published and landed, ready messages per queue at the end of the "
            + "interval (flat = keeping up), CPU %:";
        yield return "";
        yield return "| s | published/s | metrics/s | drift/s | alerting/s | ready metrics | ready drift | ready alerting | CPU machine | postgres | messaging | metrics | drift | alerting | bench |";
        yield return "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
        foreach (var (from, to) in Intervals(median.Timeline, 5))
        {
            var seconds = to.Seconds - from.Seconds;
            var cpu = ProcessSnapshot.CpuPercent(from.Processes, to.Processes);
            var phase = from.Seconds >= options.Duration.TotalSeconds - 0.5 ? " (drain)" : "";
            yield return $"| {from.Seconds:N0}–{to.Seconds:N0}{phase} | {(to.Published - from.Published) / seconds:N0} | "
                + $"{string.Join(" | ", Enumerable.Range(0, 3).Select(i => ((to.Landed[i] - from.Landed[i]) / seconds).ToString("N0", CultureInfo.InvariantCulture)))} | "
                + $"{string.Join(" | ", to.Ready.Select(Count))} | "
                + $"{string.Join(" | ", new[] { "machine", ResourceNames.Postgres, ResourceNames.Messaging, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting, ProcessWatch.Bench }.Select(g => cpu.GetValueOrDefault(g).ToString("N0", CultureInfo.InvariantCulture)))} |";
        }
        yield return "";
    }

    private static IEnumerable<string> FanOutSection(PipelineResults results, Spread ingest, Spread bare, double share)
    {
        yield return "## 2. Bare MassTransit fan-out on the same broker";
        yield return "";
        yield return "A second bus in the bench process, on the system's RabbitMQ: the same RunCompleted published (under an exchange of its own, so the "
            + "services never see it) to three consumers that do nothing, each on its own queue and batched as the services batch ("
            + $"{MessageBatches.MessageLimit} messages or {MessageBatches.TimeLimit.TotalMilliseconds:N0} ms, {MessageBatches.ConcurrencyLimit} batches at a time); driven exactly as the pipeline is. Messages/s is the slowest consumer's.";
        yield return "";
        yield return "| Window | Published | Published/s | Consumer a/s | Consumer b/s | Consumer c/s | Messages/s | Held back | CPU machine | messaging | bench |";
        yield return "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
        foreach (var w in results.Baseline)
        {
            yield return $"| {w.Repeat} | {w.Published:N0} | {w.PublishedPerSecond:N0} | {string.Join(" | ", w.LandedPerSecond.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))} | "
                + $"{w.EndToEndPerSecond:N0} | {w.ThrottledShare:P0} | {w.CpuPercent["machine"]:N0} % | {w.CpuPercent[ResourceNames.Messaging]:N0} % | {w.CpuPercent[ProcessWatch.Bench]:N0} % |";
        }
        yield return "";
        yield return $"Pipeline end to end {ingest.Median:N0} runs/s against {bare.Median:N0} messages/s bare: {share:P0} (target ≥ {TargetShareOfBare:P0}: {Verdict(share, TargetShareOfBare, true)}). "
            + $"For scale, MassTransit's own cost here: the bench process spent {BareCpuPerMessage(results):N2} ms of CPU per message (one publish and three no-op "
            + "batch consumes, drains included).";
        yield return "";
    }

    // PostgreSQL's own counters over the windows (drains included), per 1,000 runs published.
    private static IEnumerable<string> DatabaseWork(PipelineResults results)
    {
        var (a, b) = (results.ActivityBefore, results.ActivityAfter);
        var thousands = results.Throughput.Sum(w => w.Published) / 1000.0;
        var commits = (b.Commits - a.Commits) / thousands;
        yield return $"Database work per 1,000 runs over the windows (pg_stat_database, pg_stat_user_tables; the bench's counting included): "
            + $"{commits:N0} transactions (≈ {3000 / commits:N1} runs per transaction if each service commits one per batch), "
            + $"{(b.RowsInserted - a.RowsInserted) / thousands:N0} rows inserted, {(b.RowsUpdated - a.RowsUpdated) / thousands:N0} updated, "
            + $"{(b.RowsDeleted - a.RowsDeleted) / thousands:N0} deleted, {(b.RowsFetched - a.RowsFetched) / thousands:N0} fetched by index, "
            + $"{(b.RowsReturned - a.RowsReturned) / thousands:N0} returned, {(b.BlocksHit - a.BlocksHit) / thousands:N0} buffer hits, "
            + $"{(b.BlocksRead - a.BlocksRead) / thousands:N0} blocks read.";
        var tables = b.Tables.Select(t => (Name: t.Key, After: t.Value, Before: a.Tables.GetValueOrDefault(t.Key) ?? new TableActivity(0, 0, 0, 0, 0, 0)))
            .Select(t => (t.Name, Written: (t.After.Written - t.Before.Written) / thousands, SeqRows: (t.After.SeqRowsRead - t.Before.SeqRowsRead) / thousands,
                IndexScans: (t.After.IndexScans - t.Before.IndexScans) / thousands))
            .ToList();
        yield return "Tables written most, rows per 1,000 runs: "
            + string.Join(", ", tables.OrderByDescending(t => t.Written).Take(8).Select(t => $"{t.Name} {t.Written:N0}")) + ".";
        yield return "Tables read by sequential scans, rows per 1,000 runs (the bench's per-second counting of metrics.runs, drift.runs and "
            + "alerting.runs is part of theirs): "
            + string.Join(", ", tables.Where(t => t.SeqRows >= 1).OrderByDescending(t => t.SeqRows).Take(6).Select(t => $"{t.Name} {t.SeqRows:N0}").DefaultIfEmpty("none")) + "; "
            + "index scans per 1,000 runs: " + string.Join(", ", tables.OrderByDescending(t => t.IndexScans).Take(6).Select(t => $"{t.Name} {t.IndexScans:N0}")) + ".";
    }

    private static double BareCpuPerMessage(PipelineResults results) => Spread.Of([.. results.Baseline.Select(w =>
        ProcessSnapshot.CpuSeconds(w.Start, w.End)[ProcessWatch.Bench] * 1000 / Math.Max(1, w.Published))]).Median;

    // Consecutive samples about `step` seconds apart.
    private static IEnumerable<(SecondSample From, SecondSample To)> Intervals(IReadOnlyList<SecondSample> timeline, double step)
    {
        var from = timeline[0];
        foreach (var sample in timeline.Skip(1))
        {
            if (sample.Seconds - from.Seconds >= step - 0.5 || sample == timeline[^1])
            {
                yield return (from, sample);
                from = sample;
            }
        }
    }

    private static string ErrorQueues(IReadOnlyDictionary<string, ServiceState> before, IReadOnlyDictionary<string, ServiceState> after) =>
        string.Join(", ", Sinks.Select(s => $"{s} {DeadLetters(before[s])} → {DeadLetters(after[s])}"));

    private static string DeadLetters(ServiceState state) =>
        state.DeadLetters.Any(d => d.Count is null) ? "?" : state.DeadLetters.Sum(d => d.Count!.Value).ToString("N0", CultureInfo.InvariantCulture);
}
