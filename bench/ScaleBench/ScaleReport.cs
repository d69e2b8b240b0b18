using System.Text;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.ScaleBench;

/// <summary>The scale benchmark's Markdown report.</summary>
internal static class ScaleReport
{
    // The runner's FailoverAfter (Services/Runner/RunnerOptions.cs): a slot left under way is run again within it.
    public static readonly TimeSpan FailoverAfter = TimeSpan.FromSeconds(15);

    // The process trees in the order the tables show them.
    private static readonly string[] Groups =
    [
        ResourceNames.Postgres, ResourceNames.Messaging, ResourceNames.Runner, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting,
        ResourceNames.Gateway, ResourceNames.WebUi, ResourceNames.MessagingEpmd, ProcessWatch.Orchestrator, ProcessWatch.Bench,
    ];

    public static string Write(ScaleResults results)
    {
        var options = results.Options;
        var text = new StringBuilder();
        void Line(string line = "") => text.AppendLine(line);
        var schedule = results.Schedule;
        var creation = results.Creation;

        Line($"# Scale benchmark: {options.Connectors:N0} connectors on {options.Replicas} runner replicas");
        Line();
        Line($"- When: {results.FinishedAt:yyyy-MM-dd HH:mm} UTC; machine: {results.Machine.Cores} cores ({results.Machine.Cpu}), {results.Machine.MemoryGiB:N1} GiB; "
            + $"{results.Machine.Runtime} ({results.Machine.Os}); PostgreSQL {results.Machine.Postgres}, RabbitMQ {results.Machine.RabbitMQ} — the AppHost in local mode, "
            + "everything on this one machine (bench included), services built in Release.");
        Line($"- Settings: {options.Connectors:N0} connectors (seed {options.Seed}), {options.SteadyState.TotalMinutes:N0} min of steady state, {options.Replicas} runner replicas "
            + $"and one of each other service, {(options.Kill ? "one runner replica killed (SIGKILL) at the midpoint" : "no replica killed")}; "
            + $"{options.Concurrency} PUTs at once; slots due in the last {options.Margin.TotalSeconds:N0} s left out; {options.WarmUp} warm-up and "
            + $"{options.Requests} timed calls per endpoint. The gateway's own rate limits (operator key: its per-key bucket) — not raised.");
        Line($"- Mix: intervals {string.Join(", ", ConnectorMix.Intervals.Select(i => $"{ScheduleCheck.Describe(i.Interval)} {i.Share:P0}"))}; kinds "
            + $"{string.Join(", ", ConnectorMix.Kinds.Select(k => $"{k.Kind} {k.Share:P0}"))}; {ConnectorMix.Owners} owners, 1–3 tags each; each attempt "
            + $"times out after {ConnectorSpec.Timeout.TotalSeconds:N0} s, 3 attempts with backoffs of 1 and 2 s (jittered over their upper half) (no run outlasts the shortest interval).");
        Line();
        Line("| Figure | Value | Target | |");
        Line("|---|---:|---:|---|");
        Line($"| Connectors created (PUT /api/connectors/{{name}}) | {creation.Created:N0} of {creation.Connectors:N0} in {Seconds(creation.Seconds)} "
            + $"({creation.PerSecond:N1}/s) | – | |");
        Line($"| Slots checked / runs checked | {schedule.Slots:N0} / {schedule.RunsChecked:N0} | > 0 | {(schedule.Slots > 0 ? "PASS" : "NONE")} |");
        Line($"| Start lateness p50 / p99 / max | {Ms(schedule.LatenessMilliseconds.P50)} / {Ms(schedule.LatenessMilliseconds.P99)} / "
            + $"{Ms(schedule.LatenessMilliseconds.Max)} | – | |");
        Line($"| Double runs (two run ids on one slot) | {schedule.DoubleRuns:N0} | 0 | {Zero(schedule.DoubleRuns)} |");
        Line($"| Missed slots | {schedule.MissedSlots:N0} | 0 | {Zero(schedule.MissedSlots)} |");
        if (results.Takeover is { } takeover)
        {
            var target = (FailoverAfter + TimeSpan.FromSeconds(5)).TotalMilliseconds;
            Line($"| Runs under way on the killed replica: retaken (same run id) of all; latest start after the kill | {takeover.Retaken:N0} of "
                + $"{takeover.UnderWayAtKill:N0}; {Ms(takeover.RetakenAfterKillMilliseconds.Max)} | ≤ {Ms(target)} | "
                + $"{(takeover.UnderWayAtKill == 0 ? "–" : takeover.NeverStored > 0 ? "LOST" : takeover.RetakenAfterKillMilliseconds.Max <= target ? "PASS" : "ABOVE")} |");
            Line($"| Slots due in the {takeover.AfterKillWindow.TotalSeconds:N0} s after the kill: late p50 / max | {takeover.SlotsDueAfterKill:N0}: "
                + $"{Ms(takeover.DueAfterKillLatenessMilliseconds.P50)} / {Ms(takeover.DueAfterKillLatenessMilliseconds.Max)} | ≤ {Ms(target)} | "
                + $"{(takeover.SlotsDueAfterKill == 0 ? "–" : takeover.DueAfterKillLatenessMilliseconds.Max <= target && takeover.DueAfterKillMissed == 0 ? "PASS" : "ABOVE")} |");
        }
        var footprint = results.Footprint;
        Line($"| Runner RSS at the end (surviving replica{(options.Replicas - (options.Kill ? 1 : 0) == 1 ? "" : "s")}) | {Mb(footprint.RssEndKb.GetValueOrDefault(ResourceNames.Runner))} | – | |");
        var board = results.Endpoints.FirstOrDefault(e => e.Path == "/api/kpis/connectors");
        if (board is not null)
        {
            Line($"| Status board GET /api/kpis/connectors p50 / p95 | {Ms(board.Milliseconds.P50)} / {Ms(board.Milliseconds.P95)} ({board.Bytes:N0} B) | – | |");
        }
        Line();
        Line("The target of a takeover: within the runner's FailoverAfter (15 s) plus one turn of a replica's check for a slot left under "
            + "way (every FailoverAfter / 3 = 5 s).");
        Line();

        foreach (var line in CreationSection(results).Concat(ScheduleSection(results)).Concat(TakeoverSection(results)).Concat(FootprintSection(results))
            .Concat(TablesSection(results)).Concat(EndpointSection(results)).Concat(LogSection(results)))
        {
            Line(line);
        }
        Line($"Start-up, from starting the AppHost (PostgreSQL's initdb included) to each resource healthy: "
            + string.Join(", ", results.HealthyAfterSeconds.OrderBy(h => h.Value).Select(h => $"{h.Key} {h.Value:N1} s")) + ".");
        Line();
        Line($"Total bench time: {results.Elapsed.TotalMinutes:N1} min.");
        return text.ToString();
    }

    private static IEnumerable<string> CreationSection(ScaleResults results)
    {
        var creation = results.Creation;
        yield return "## 1. Creating the connectors";
        yield return "";
        yield return $"{creation.Created:N0} of {creation.Connectors:N0} created in {Seconds(creation.Seconds)} ({creation.PerSecond:N1} per second) through the gateway "
            + $"with the operator key, {creation.Concurrency} requests at once. Each PUT: p50 {Ms(creation.PutMilliseconds.P50)}, p95 {Ms(creation.PutMilliseconds.P95)}, "
            + $"p99 {Ms(creation.PutMilliseconds.P99)}, max {Ms(creation.PutMilliseconds.Max)}. The gateway answered 429 {creation.TooManyRequests:N0} times "
            + $"({creation.RetryAfterSecondsWaited:N1} s of Retry-After waited); {creation.OtherRetries:N0} other tries again; {creation.Failures.Count:N0} failed.";
        foreach (var failure in creation.Failures.Take(10))
        {
            yield return $"- {failure}";
        }
        yield return "";
    }

    private static IEnumerable<string> ScheduleSection(ScaleResults results)
    {
        var schedule = results.Schedule;
        yield return "## 2. The schedule";
        yield return "";
        yield return $"Window: slots due from {schedule.From:HH:mm:ss} (all connectors created) to {schedule.To:HH:mm:ss} (the snapshot of runner.connector_slots "
            + $"less {results.Options.Margin.TotalSeconds:N0} s); runs read from metrics.runs (source scheduled) after a drain of {results.DrainSeconds:N0} s. Each connector's "
            + "slots are its next_slot less whole intervals, back to its first slot; each run belongs to the latest slot at or before its start.";
        yield return "";
        yield return $"- {schedule.Connectors:N0} connectors, {schedule.ConnectorsWithSlots:N0} with a slot in the window, {schedule.SkippedConnectors:N0} left out "
            + "(not scheduled, or a schedule other than the bench's).";
        yield return $"- {schedule.Slots:N0} slots and {schedule.RunsChecked:N0} runs checked ({schedule.RunsRead:N0} scheduled runs of the bench's connectors read in all).";
        yield return $"- Earliest start against its slot: {Ms(schedule.EarliestMilliseconds)} (a negative figure: started before its slot); "
            + $"{schedule.LateBySecondOrMore:N0} runs started a second or more late.";
        yield return $"- Double runs: {schedule.DoubleRuns:N0}; missed slots: {schedule.MissedSlots:N0} ({schedule.NotTakenAtSnapshot:N0} of them not yet taken at the snapshot); "
            + $"runs before their connector's creation: {schedule.RunsBeforeTheirFirstSlot:N0}.";
        yield return "";
        yield return "| Interval | Runs | Lateness p50 | p95 | p99 | max |";
        yield return "|---|---:|---:|---:|---:|---:|";
        yield return $"| all | {schedule.LatenessMilliseconds.Count:N0} | {Ms(schedule.LatenessMilliseconds.P50)} | {Ms(schedule.LatenessMilliseconds.P95)} | "
            + $"{Ms(schedule.LatenessMilliseconds.P99)} | {Ms(schedule.LatenessMilliseconds.Max)} |";
        foreach (var (interval, late) in schedule.LatenessByInterval)
        {
            yield return $"| {interval} | {late.Count:N0} | {Ms(late.P50)} | {Ms(late.P95)} | {Ms(late.P99)} | {Ms(late.Max)} |";
        }
        yield return "";
        yield return "| Kind | Connectors | Scheduled runs in the window | Failed |";
        yield return "|---|---:|---:|---:|";
        foreach (var kind in results.Kinds.OrderByDescending(k => k.Connectors))
        {
            yield return $"| {kind.Kind} | {kind.Connectors:N0} | {kind.Runs:N0} | {(kind.Runs == 0 ? "–" : $"{(double)kind.Failed / kind.Runs:P0}")} |";
        }
        yield return "";
        foreach (var line in Examples("Latest starts", schedule.Latest).Concat(Examples("Double runs", schedule.Doubles)).Concat(Examples("Missed slots", schedule.Missed)))
        {
            yield return line;
        }
    }

    private static IEnumerable<string> TakeoverSection(ScaleResults results)
    {
        if (results.Takeover is not { } takeover)
        {
            yield break;
        }
        yield return "## 3. Killing a runner replica";
        yield return "";
        var victim = takeover.Victim;
        yield return $"Runner replica pid {takeover.KilledProcessId} was killed (SIGKILL, its process tree) at {takeover.KilledAt:HH:mm:ss.fff}, "
            + $"{victim.WaitedSeconds:N1} s after the midpoint, "
            + (victim.SlotsUnderWay.Count > 0
                ? $"when its lock sessions ({string.Join(", ", victim.LockSessions)}) held {victim.LocksHeld} connector lock(s), {victim.SlotsUnderWay.Count} of them "
                    + "of the bench's connectors whose slot was under way (runner.connector_slots.running_id set; the lock told from pg_locks by its key). "
                : victim.LockSessions.Count == 0
                    ? "without waiting for a slot under way there (its lock sessions were not found in pg_stat_activity). "
                    : $"after waiting in vain for a slot of the bench's under way there (its lock sessions: {string.Join(", ", victim.LockSessions)}). ")
            + $"Of those {takeover.UnderWayAtKill:N0} runs, {takeover.Retaken:N0} were started again after the kill with the same run id, "
            + $"{takeover.FinishedBeforeKill:N0} were stored with a start before the kill (they finished just before it), and {takeover.NeverStored:N0} never reached "
            + $"metrics.runs. {takeover.UnderWayElsewhere:N0} other slots were under way on the surviving replica: {takeover.ElsewhereStartedAfterKill:N0} of them "
            + $"stored with a start after the kill, {takeover.ElsewhereNeverStored:N0} never stored.";
        yield return "";
        if (results.AfterKill is { } after)
        {
            yield return $"PostgreSQL let go of the killed replica's locks {(after.LocksReleasedAfterSeconds is { } l ? $"{l:N1} s" : $"not within {ScaleBenchOptions.AfterKillWatch.TotalSeconds:N0} s")} "
                + $"after the kill, and its lock sessions were gone {(after.SessionsGoneAfterSeconds is { } g ? $"{g:N1} s" : $"not within {ScaleBenchOptions.AfterKillWatch.TotalSeconds:N0} s")} after it "
                + "(polled every 200 ms). A second after the kill they were: " + string.Join("; ", after.SessionsAfterOneSecond) + ".";
            yield return "";
        }
        yield return "| Figure | p50 | p99 | max |";
        yield return "|---|---:|---:|---:|";
        yield return $"| Retaken runs: start after the kill | {Ms(takeover.RetakenAfterKillMilliseconds.P50)} | {Ms(takeover.RetakenAfterKillMilliseconds.P99)} | "
            + $"{Ms(takeover.RetakenAfterKillMilliseconds.Max)} |";
        yield return $"| Retaken runs: start after their slot | {Ms(takeover.RetakenLatenessMilliseconds.P50)} | {Ms(takeover.RetakenLatenessMilliseconds.P99)} | "
            + $"{Ms(takeover.RetakenLatenessMilliseconds.Max)} |";
        yield return $"| {takeover.SlotsDueAfterKill:N0} slots due in the {takeover.AfterKillWindow.TotalSeconds:N0} s after the kill ({takeover.DueAfterKillMissed:N0} with no run): "
            + $"start after their slot | {Ms(takeover.DueAfterKillLatenessMilliseconds.P50)} | {Ms(takeover.DueAfterKillLatenessMilliseconds.P99)} | "
            + $"{Ms(takeover.DueAfterKillLatenessMilliseconds.Max)} |";
        yield return "";
        foreach (var line in Examples("Retaken runs", takeover.Retakes))
        {
            yield return line;
        }
    }

    private static IEnumerable<string> FootprintSection(ScaleResults results)
    {
        var footprint = results.Footprint;
        yield return "## 4. Memory and CPU";
        yield return "";
        yield return $"Resident memory (VmRSS summed over the process tree) at the end of the steady state and the peak of samples every "
            + $"{ScaleBenchOptions.SampleEvery.TotalSeconds:N0} s; CPU seconds (utime + stime) over the {footprint.WindowSeconds / 60:N1} min window and the mean in % "
            + $"of one core (the machine has {results.Machine.Cores * 100} %; it was {footprint.MachineCpuPercent:N0} % busy, {footprint.OtherCpuPercent:N0} % of it "
            + "processes outside these trees). The runner sums its replicas (the killed one up to its kill). PostgreSQL's RSS counts the shared buffers "
            + $"each backend touched once per backend, so it overstates. {ProcessWatch.Orchestrator}: Aspire's orchestrator and the services' `dotnet run` "
            + "launchers (not part of a deployment).";
        yield return "";
        yield return "| Process tree | Processes at the end | RSS end MB | RSS peak MB | CPU s | CPU % |";
        yield return "|---|---|---:|---:|---:|---:|";
        foreach (var group in Groups)
        {
            yield return $"| {group} | {(group == ProcessWatch.Bench ? "this bench" : footprint.ProcessTrees.GetValueOrDefault(group, "?"))} | "
                + $"{Mb(footprint.RssEndKb.GetValueOrDefault(group))} | {Mb(footprint.RssPeakKb.GetValueOrDefault(group))} | "
                + $"{footprint.CpuSeconds.GetValueOrDefault(group):N1} | {footprint.CpuPercent.GetValueOrDefault(group):N1} |";
        }
        yield return "";
        if (footprint.RunnerReplicaRssEndKb.Count > 0)
        {
            yield return "Runner replicas: " + string.Join("; ", footprint.RunnerReplicaRssEndKb.Select(r =>
                $"{r.Key} {Mb(footprint.RunnerReplicaRssBeforeKillKb.GetValueOrDefault(r.Key))} MB before the kill, {(r.Value == 0 ? "gone" : Mb(r.Value) + " MB")} at the end")) + ".";
            yield return "";
        }
        if (results.PeakConnections is { } peak)
        {
            yield return $"PostgreSQL connections (client backends, sampled every 5 s from before the creation to the end of the steady state): at most "
                + $"{peak.Total} of max_connections {peak.Limit}, at {peak.At:HH:mm:ss}: "
                + string.Join(", ", peak.ByApplication.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {a.Value}"))
                + ". Each application's most in any sample: "
                + string.Join(", ", results.MostConnections.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {a.Value}"))
                + $". The bench's own reads were refused for a reason waiting cures (e.g. too many clients) and tried again {results.RetriedReads} times.";
            yield return "";
        }
        yield return "Caches (each service's /health, check caches, after the endpoint timings below; the runner's from whichever "
            + "replica answered): " + (results.Caches.Count == 0
                ? "none answered."
                : string.Join(", ", results.Caches.Where(c => c.Key.EndsWith(".entries", StringComparison.Ordinal)).Select(c =>
                {
                    var name = c.Key[..^".entries".Length];
                    return results.Caches.TryGetValue(name + ".capacity", out var capacity)
                        ? $"{name} {c.Value:N0} entries of at most {capacity:N0}"
                        : $"{name} {c.Value:N0} entries";
                })) + ". Their weight is inside the RSS above.");
        yield return "";
    }

    private static IEnumerable<string> TablesSection(ScaleResults results)
    {
        yield return "## 5. Tables";
        yield return "";
        yield return "Each table with its indexes and TOAST (pg_total_relation_size; a partitioned table with its partitions) and its rows, at the end, by schema.";
        yield return "";
        yield return "| Schema | MB | Table | MB | Rows |";
        yield return "|---|---:|---|---:|---:|";
        foreach (var schema in results.Tables.GroupBy(t => t.Schema).OrderByDescending(s => s.Sum(t => t.Bytes)))
        {
            var first = true;
            foreach (var table in schema.OrderByDescending(t => t.Bytes))
            {
                yield return $"| {(first ? schema.Key : "")} | {(first ? $"{schema.Sum(t => t.Bytes) / 1e6:N1}" : "")} | {table.Table} | {table.Bytes / 1e6:N2} | {table.Rows:N0} |";
                first = false;
            }
        }
        yield return "";
    }

    private static IEnumerable<string> EndpointSection(ScaleResults results)
    {
        yield return "## 6. API and web UI";
        yield return "";
        yield return $"Through the gateway with the operator key (the web UI's pages: a plain GET of the prerendered page from the web UI itself), one call at a "
            + $"time after the steady state, the system still running its schedule; {results.Options.WarmUp} calls to warm up, then {results.Options.Requests} timed "
            + "to the last byte.";
        yield return "";
        yield return "| Endpoint | Path | p50 | p95 | max | Bytes | Items (total) | Status |";
        yield return "|---|---|---:|---:|---:|---:|---:|---|";
        foreach (var e in results.Endpoints)
        {
            var items = e.Items is { } n ? $"{n:N0}{(e.Total is { } t ? $" ({t:N0})" : "")}" : "–";
            yield return $"| {e.Name} | `{e.Path}` | {Ms(e.Milliseconds.P50)} | {Ms(e.Milliseconds.P95)} | {Ms(e.Milliseconds.Max)} | {e.Bytes:N0} | {items} | "
                + $"{string.Join(", ", e.Statuses.Select(s => $"{s.Key} ×{s.Value}"))} |";
        }
        yield return "";
    }

    private static IEnumerable<string> LogSection(ScaleResults results)
    {
        yield return "## 7. Warnings and errors logged";
        yield return "";
        yield return "What the services wrote to their consoles at warn, fail or crit over the whole bench (start-up, creation, the kill and the "
            + "timings included; every replica), by level and category, with the first message of each.";
        yield return "";
        if (results.Logged.Count == 0)
        {
            yield return "None.";
            yield return "";
            yield break;
        }
        yield return "| Service | Level | Category | Count | First message |";
        yield return "|---|---|---|---:|---|";
        foreach (var problem in results.Logged)
        {
            yield return $"| {problem.Service} | {problem.Level} | {problem.Category} | {problem.Count:N0} | {problem.First.Replace("|", "\\|", StringComparison.Ordinal)} |";
        }
        yield return "";
    }

    private static IEnumerable<string> Examples(string title, IReadOnlyList<SlotExample> examples)
    {
        if (examples.Count == 0)
        {
            yield break;
        }
        yield return $"{title} (at most 10):";
        yield return "";
        foreach (var e in examples)
        {
            yield return $"- {e.Connector} (every {ScheduleCheck.Describe(e.Interval)}), slot {e.Slot:HH:mm:ss.fff}: "
                + (e.Starts.Count == 0 ? "no run" : string.Join(", ", e.Starts.Zip(e.RunIds).Select(s => $"{s.Second} started {s.First:HH:mm:ss.fff} (+{Ms((s.First - e.Slot).TotalMilliseconds)})")));
        }
        yield return "";
    }

    private static string Zero(long value) => value == 0 ? "PASS" : "FOUND";

    private static string Mb(long kb) => $"{kb / 1024.0:N0}";

    private static string Seconds(double seconds) => seconds >= 120 ? $"{seconds / 60:N1} min" : $"{seconds:N1} s";

    private static string Ms(double value) =>
        double.IsNaN(value) ? "–" : double.IsInfinity(value) ? "not seen" : Math.Abs(value) >= 10_000 ? $"{value / 1000:N1} s" : $"{value:N0} ms";
}
