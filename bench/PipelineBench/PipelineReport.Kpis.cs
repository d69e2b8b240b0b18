using ConnectorHealth.DriftBench;

namespace ConnectorHealth.PipelineBench;

// Section 7: KPI queries cold and warm, and how they grow with the data (the Metrics benchmark's figure).
internal static partial class PipelineReport
{
    private static IEnumerable<string> KpiSection(PipelineResults results)
    {
        var kpis = results.Kpis;
        yield return "## 7. KPI queries cold and warm";
        yield return "";
        if (kpis.Error is { } error)
        {
            yield return $"**Stopped after {kpis.Rounds.Count} of {results.Options.Repeat} restarts**: {error}";
            yield return "";
        }
        foreach (var round in kpis.Rounds.Where(k => k.RestartFailures.Count > 0))
        {
            yield return $"Restart {round.Repeat} took only after failed commands (retried): {string.Join("; ", round.RestartFailures)}.";
            yield return "";
        }
        if (kpis.Rounds.Count == 0)
        {
            yield break;
        }
        yield return $"The KPI endpoints through the gateway on the data the phases above left ({kpis.RunsHeld:N0} runs in metrics.runs): the Metrics "
            + $"service restarted {kpis.Rounds.Count} times with Aspire's restart command ({Spread.Of([.. kpis.Rounds.Select(k => k.RestartSeconds)]).Format("N1")} s "
            + "until its new process answered /health); after each restart the first request to each endpoint in the order below (cold: its caches, "
            + $"connection pool and JIT empty; PostgreSQL's buffer cache is not), then {kpis.WarmRequests} more requests to each, one at a time (warm). "
            + "Times to the last byte, in ms.";
        yield return "";
        yield return "| Endpoint | Cold: first request | Warm p50 | Warm p95 | Warm max | Cold / warm p50 | Answers |";
        yield return "|---|---:|---:|---:|---:|---:|---|";
        foreach (var path in KpiQueryBench.Paths)
        {
            var timings = kpis.Rounds.Select(k => k.Endpoints.Single(e => e.Path == path)).ToList();
            var cold = Spread.Of([.. timings.Select(t => t.ColdMilliseconds)]);
            var warm = Spread.Of([.. timings.Select(t => t.WarmP50)]);
            var notOk = timings.Sum(t => t.WarmNotOk);
            yield return $"| GET {path} | {cold.Format("N1")} | {warm.Format("N1")} | {Spread.Of([.. timings.Select(t => t.WarmP95)]).Format("N1")} | "
                + $"{timings.Max(t => t.WarmMax):N1} | {cold.Median / warm.Median:N0}× | first: {string.Join(", ", timings.Select(t => t.ColdStatus))}, "
                + $"{timings[0].ColdBytes:N0} B; warm not 200: {notOk} |";
        }
        yield return "";
    }

    // Growth with the data is the Metrics benchmark's: quoted from its newest reports, not measured here.
    private static IEnumerable<string> MetricsBenchSection(KpiQueryResult kpis)
    {
        yield return "How the KPI queries grow with the data (1 M vs 10 M runs) is `make bench`'s figure (bench/MetricsBench, its own PostgreSQL loaded "
            + "with COPY); this bench does not load millions of runs.";
        if (kpis.MetricsBench.Count == 0)
        {
            yield return "No bench/results/*metrics*.md yet: run `make bench` (and `make bench BENCH_ARGS=\"--runs 1000000\"`) for it.";
            yield return "";
            yield break;
        }
        var newest = kpis.MetricsBench[0];
        yield return $"Newest: `{newest.Path}` ({newest.Runs:N0} runs, {newest.WrittenUtc:yyyy-MM-dd HH:mm} UTC); its p95 lines:";
        yield return "";
        foreach (var line in newest.P95Lines)
        {
            yield return $"- {line}";
        }
        yield return "";
        var sizes = kpis.MetricsBench.OrderBy(m => m.Runs).ToList();
        yield return $"p95 per query, ms, from the newest report of each size ({string.Join(", ", sizes.Select(m => $"`{Path.GetFileName(m.Path)}`"))}):";
        yield return "";
        yield return $"| Query | {string.Join(" | ", sizes.Select(m => $"p95 at {m.Runs:N0} runs"))} |";
        yield return $"|---|{string.Concat(sizes.Select(_ => "---:|"))}";
        foreach (var query in sizes.SelectMany(m => m.P95ByQuery.Keys).Distinct())
        {
            yield return $"| {query} | {string.Join(" | ", sizes.Select(m => m.P95ByQuery.GetValueOrDefault(query, "–")))} |";
        }
        yield return "";
    }
}
