using System.Diagnostics;
using System.Globalization;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.PipelineBench;

// One endpoint after one restart of the Metrics service: its first request (cold) and the requests that followed (warm).
internal sealed record KpiTiming(string Path, double ColdMilliseconds, string ColdStatus, long ColdBytes, double WarmP50, double WarmP95, double WarmMax, int WarmNotOk);

// RestartFailures: Aspire commands that failed before the restart took (retried).
internal sealed record KpiRound(int Repeat, double RestartSeconds, IReadOnlyList<string> RestartFailures, IReadOnlyList<KpiTiming> Endpoints);

// Error: why the rounds stopped early, if they did; the rounds measured until then stand.
internal sealed record KpiQueryResult(
    long RunsHeld, int WarmRequests, IReadOnlyList<KpiRound> Rounds, string? Error, IReadOnlyList<MetricsBenchReport> MetricsBench);

// The KPI endpoints through the gateway on the data the other phases left: the Metrics service is restarted (Aspire's
// restart command, so its caches, connection pool and JIT start empty), then each endpoint's first request is timed, then
// `requests` more of each. Only Metrics restarts: PostgreSQL keeps its buffer cache.
internal sealed class KpiQueryBench(PipelineBenchOptions options, BenchSession session, Action<string> say)
{
    public static readonly string[] Paths = ["/api/kpis/daily", "/api/kpis/failure-reasons", "/api/kpis/connectors", "/api/runs?limit=50"];

    private static readonly TimeSpan RestartLimit = TimeSpan.FromMinutes(2);

    public async Task<KpiQueryResult> RunAsync()
    {
        var runsHeld = (await session.Database.SizesAsync())[BenchDatabase.Schemas[0]].Runs;
        say($"KPI queries cold and warm: {options.Repeat} restarts of {ResourceNames.Metrics}, {runsHeld:N0} runs in metrics.runs…");
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, UseProxy = false }) { BaseAddress = session.System.Gateway.BaseAddress };
        http.DefaultRequestHeaders.Add(ApiKeyHeader.Name, session.System.ApiKey);
        var rounds = new List<KpiRound>();
        string? error = null;
        for (var r = 1; r <= options.Repeat && error is null; r++)
        {
            try
            {
                rounds.Add(await RoundAsync(http, r));
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or HttpRequestException)
            {
                // A restart that never took: report what was measured rather than lose the whole run.
                error = $"restart {r}: {ex.GetType().Name}: {ex.Message}";
                say($"  {error}");
            }
        }
        return new KpiQueryResult(runsHeld, options.KpiRequests, rounds, error, MetricsBenchReport.Newest(options.Output));
    }

    private async Task<KpiRound> RoundAsync(HttpClient http, int r)
    {
        var restart = Stopwatch.StartNew();
        IReadOnlyList<string> failures;
        using (var limit = new CancellationTokenSource(RestartLimit))
        {
            failures = await session.System.RestartAsync(ResourceNames.Metrics, limit.Token);
        }
        var restartSeconds = restart.Elapsed.TotalSeconds;
        // The bench's own connection to the gateway is opened by the gateway's own /health before the first timed
        // request, so "cold" is the gateway-to-Metrics connection and Metrics' own first time.
        (await http.GetAsync("/health")).Dispose();

        var cold = new List<(double Milliseconds, string Status, long Bytes)>();
        foreach (var path in Paths)
        {
            cold.Add(await TimeAsync(http, path));
        }
        var endpoints = new List<KpiTiming>();
        for (var i = 0; i < Paths.Length; i++)
        {
            var warm = new List<(double Milliseconds, string Status, long Bytes)>();
            for (var n = 0; n < options.KpiRequests; n++)
            {
                warm.Add(await TimeAsync(http, Paths[i]));
            }
            var timing = Percentile.Of(warm.Select(w => w.Milliseconds));
            endpoints.Add(new KpiTiming(Paths[i], cold[i].Milliseconds, cold[i].Status, cold[i].Bytes, timing.P50, timing.P95, timing.Max, warm.Count(w => w.Status != "200")));
        }
        say($"  restart {r} ({restartSeconds:N1} s to healthy{(failures.Count > 0 ? $", after {string.Join("; ", failures)}" : "")}): "
            + string.Join("; ", endpoints.Select(e => $"{e.Path} cold {e.ColdMilliseconds:N0} ms ({e.ColdStatus}), warm p50 {e.WarmP50:N1} / p95 {e.WarmP95:N1} ms")));
        return new KpiRound(r, restartSeconds, failures, endpoints);
    }

    // To the last byte of the answer.
    private static async Task<(double Milliseconds, string Status, long Bytes)> TimeAsync(HttpClient http, string path)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();
        return (clock.Elapsed.TotalMilliseconds, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), body.LongLength);
    }
}
