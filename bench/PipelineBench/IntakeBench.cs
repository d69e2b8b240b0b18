using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace ConnectorHealth.PipelineBench;

// One window of POST /api/runs at a fixed concurrency. Rates and latencies count the requests that finished in the
// measured part of the window (after the warm-up); latencies are of the requests answered 2xx. Status codes count every
// request, warm-up included ("error": no answer, "timeout": none within the client's limit).
internal sealed record IntakeWindow(
    int Repeat,
    string Target,
    long Requests,
    double RequestsPerSecond,
    double AcceptedPerSecond,
    double P50,
    double P95,
    double P99,
    double Max,
    IReadOnlyDictionary<string, long> StatusCounts,
    string? LastError,
    long Accepted,
    double MeanBodyBytes,
    IReadOnlyDictionary<string, double> CpuPercent,
    IntakeLanding? Landing);

// What became of a gateway window's accepted reports: rows of its connectors in metrics, drift and alerting, the accepted
// run ids not found in metrics.runs, and how long after the window the wait ended.
internal sealed record IntakeLanding(long Accepted, long[] Landed, long MissingInMetrics, double Seconds)
{
    public bool AllLanded => MissingInMetrics == 0;
}

internal sealed record RateLimitsInForce(int PerKeyPerSecond, int PerKeyBurst, int PerAddressPerSecond, int PerAddressBurst, string Source)
{
    // The gateway's own configuration (Gateway:RateLimits in its appsettings, then any Gateway__RateLimits__* the AppHost
    // set on its process), read as the gateway reads it.
    public static RateLimitsInForce Read(RunningSystem system)
    {
        const string Section = "Gateway:RateLimits";
        var folder = Path.Combine(PipelineBenchOptions.RepositoryFolder(), "Gateway");
        var environment = system.EnvironmentOf(ResourceNames.Gateway, "");
        var environmentName = environment.GetValueOrDefault("ASPNETCORE_ENVIRONMENT") ?? "Production";
        var overrides = environment.Where(e => e.Key.StartsWith("Gateway__RateLimits__", StringComparison.Ordinal))
            .ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => e.Value);
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(folder, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(folder, $"appsettings.{environmentName}.json"), optional: true)
            .AddInMemoryCollection(overrides)
            .Build();
        // The gateway's defaults where its configuration says nothing (Gateway/Security/RateLimits.cs).
        int Value(string key, int fallback) => configuration.GetValue<int?>($"{Section}:{key}") ?? fallback;
        return new RateLimitsInForce(
            Value("PerKey:PerSecond", 1_000), Value("PerKey:Burst", 2_000), Value("PerAddress:PerSecond", 20), Value("PerAddress:Burst", 60),
            $"{Section} in Gateway/appsettings.json{(overrides.Count > 0 ? $", overridden by {string.Join(", ", overrides.Keys)}" : "")}");
    }
}

internal sealed record IntakeResult(
    RateLimitsInForce Limits, int Concurrency, TimeSpan Window, TimeSpan WarmUp, IReadOnlyList<IntakeWindow> Gateway, IReadOnlyList<IntakeWindow> Bare,
    IReadOnlyList<IntakeWindow>? Lineage = null);

// Report intake: outside pipelines' run reports (POST /api/runs, a fresh runId each, the runs RunFactory makes) sent
// through the gateway with the operator key and its real rate limits, next to a bare Kestrel endpoint in this process
// driven by the same client, bodies and concurrency. After each gateway window it waits for the accepted runs to land.
internal sealed class IntakeBench(PipelineBenchOptions options, BenchSession session, Action<string> say)
{
    private const string ReportPath = "/api/runs";
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan NoProgressLimit = TimeSpan.FromSeconds(30);
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<IntakeResult> RunAsync()
    {
        var limits = RateLimitsInForce.Read(session.System);
        say($"Report intake (POST /api/runs): {options.Repeat} × {options.IntakeDuration.TotalSeconds:N0} s at {options.Concurrency} at once, "
            + $"through the gateway (per key {limits.PerKeyPerSecond:N0}/s, burst {limits.PerKeyBurst:N0}) and to a bare endpoint…");
        // One client for both targets, with a connection for every worker and some to spare.
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Concurrency * 2,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
        })
        { Timeout = TimeSpan.FromSeconds(30) };
        await using var bare = await BareIntake.StartAsync();
        var gateway = new Uri(session.System.Gateway.BaseAddress!, ReportPath);
        var bareUri = new Uri(bare.Address, ReportPath);

        var gatewayWindows = new List<IntakeWindow>();
        var bareWindows = new List<IntakeWindow>();
        for (var r = 1; r <= options.Repeat; r++)
        {
            // The same connectors and seed for both targets: the same sequence of bodies, only the run ids and times differ.
            var connectors = RunFactory.Names($"intake_r{r}", options.Connectors);
            var seed = options.Seed + 200 + r;
            var bareWindow = await WindowAsync(http, r, "bare", bareUri, new RunFactory(connectors, seed));
            say($"  repeat {r}, bare:    {bareWindow.RequestsPerSecond:N0} requests/s, p50 {bareWindow.P50:N1} ms, p99 {bareWindow.P99:N1} ms; {Statuses(bareWindow)}");
            bareWindows.Add(bareWindow);

            var (gatewayWindow, accepted) = await WindowWithIdsAsync(http, r, "gateway", gateway, new RunFactory(connectors, seed));
            say($"  repeat {r}, gateway: {gatewayWindow.RequestsPerSecond:N0} requests/s, p50 {gatewayWindow.P50:N1} ms, p99 {gatewayWindow.P99:N1} ms; "
                + $"{Statuses(gatewayWindow)}; waiting for {accepted.Count:N0} accepted runs to land…");
            var landing = await LandingAsync(connectors, accepted);
            say($"    {(landing.AllLanded ? "all landed" : $"{landing.MissingInMetrics:N0} NOT in metrics")} after {landing.Seconds:N0} s "
                + $"(metrics / drift / alerting: {string.Join(" / ", landing.Landed.Select(l => l.ToString("N0", CultureInfo.InvariantCulture)))})");
            gatewayWindows.Add(gatewayWindow with { Landing = landing });
        }

        // OpenLineage events through the gateway: each run a START then a COMPLETE, two requests, as a producer sends them.
        var lineageWindows = new List<IntakeWindow>();
        var lineageUri = new Uri(session.System.Gateway.BaseAddress!, "/api/v1/lineage");
        for (var r = 1; r <= options.Repeat; r++)
        {
            var jobs = Enumerable.Range(0, options.Connectors).Select(i => $"lineage_r{r}_{i:D3}").ToArray();
            var events = new LineageEventFactory("bench", jobs, options.Seed + 300 + r);
            var (window, accepted) = await WindowWithIdsAsync(http, r, "lineage", lineageUri, events.Worker);
            var connectors = jobs.Select(j => LineageNames.Connector("bench", j)).ToArray();
            say($"  repeat {r}, lineage: {window.RequestsPerSecond:N0} events/s, p50 {window.P50:N1} ms, p99 {window.P99:N1} ms; "
                + $"{Statuses(window)}; waiting for {accepted.Count:N0} completed runs to land…");
            var landing = await LandingAsync(connectors, accepted);
            say($"    {(landing.AllLanded ? "all landed" : $"{landing.MissingInMetrics:N0} NOT in metrics")} after {landing.Seconds:N0} s "
                + $"(metrics / drift / alerting: {string.Join(" / ", landing.Landed.Select(l => l.ToString("N0", CultureInfo.InvariantCulture)))})");
            lineageWindows.Add(window with { Landing = landing });
        }
        return new IntakeResult(limits, options.Concurrency, options.IntakeDuration, options.IntakeWarmUp, gatewayWindows, bareWindows, lineageWindows);
    }

    private static string Statuses(IntakeWindow window) =>
        string.Join(", ", window.StatusCounts.Select(s => $"{s.Value:N0} × {s.Key}"));

    private async Task<IntakeWindow> WindowAsync(HttpClient http, int repeat, string target, Uri uri, RunFactory runs) =>
        (await WindowWithIdsAsync(http, repeat, target, uri, runs)).Window;

    private Task<(IntakeWindow Window, List<Guid> Accepted)> WindowWithIdsAsync(HttpClient http, int repeat, string target, Uri uri, RunFactory runs) =>
        WindowWithIdsAsync(http, repeat, target, uri, () => () =>
        {
            var run = runs.Next(DateTimeOffset.UtcNow);
            return (IntakeReports.Body(run), run.RunId, true);
        });

    // A window of requests at the bench's concurrency; each worker takes its bodies from a source of its own (each body
    // with its run id, and whether a 202 for it means the run was accepted).
    private async Task<(IntakeWindow Window, List<Guid> Accepted)> WindowWithIdsAsync(
        HttpClient http, int repeat, string target, Uri uri, Func<Func<(byte[] Body, Guid RunId, bool Ends)>> source)
    {
        var warmUp = options.IntakeWarmUp;
        var end = warmUp + options.IntakeDuration;
        var clock = Stopwatch.StartNew();
        string? lastError = null;
        TimeSpan Until(TimeSpan at) => at > clock.Elapsed ? at - clock.Elapsed : TimeSpan.Zero;

        async Task<List<Call>> Work()
        {
            var next = source();
            var calls = new List<Call>();
            while (clock.Elapsed < end)
            {
                var (body, runId, ends) = next();
                var started = clock.Elapsed;
                string status;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = Json;
                    request.Headers.Add(ApiKeyHeader.Name, session.System.ApiKey);
                    // Answered when the whole response is read (the default completion option buffers it).
                    using var response = await http.SendAsync(request, CancellationToken.None);
                    status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                }
                catch (HttpRequestException ex)
                {
                    status = "error";
                    lastError = $"{ex.GetType().Name}: {ex.Message}";
                }
                catch (TaskCanceledException ex)
                {
                    status = "timeout";
                    lastError = $"{ex.GetType().Name}: {ex.Message}";
                }
                calls.Add(new Call(started, clock.Elapsed, status, body.Length, runId, ends));
            }
            return calls;
        }

        var cpu = Task.Run(async () =>
        {
            await Task.Delay(Until(warmUp));
            var from = session.Watch.Take();
            await Task.Delay(Until(end));
            return ProcessSnapshot.CpuPercent(from, session.Watch.Take());
        });
        var calls = (await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(Work)))).SelectMany(c => c).ToList();

        var measured = calls.Where(c => c.Finished >= warmUp && c.Finished <= end).ToList();
        var seconds = options.IntakeDuration.TotalSeconds;
        var latency = Percentile.Of(measured.Where(c => c.Status.StartsWith('2')).Select(c => (c.Finished - c.Started).TotalMilliseconds));
        List<Guid> accepted = [.. calls.Where(c => c.Status == "202" && c.Ends).Select(c => c.RunId)];
        var window = new IntakeWindow(
            repeat,
            target,
            measured.Count,
            measured.Count / seconds,
            measured.Count(c => c.Status == "202") / seconds,
            latency.P50,
            latency.P95,
            latency.P99,
            latency.Max,
            new SortedDictionary<string, long>(calls.GroupBy(c => c.Status).ToDictionary(g => g.Key, g => (long)g.Count()), StringComparer.Ordinal),
            lastError,
            accepted.Count,
            calls.Count == 0 ? 0 : calls.Average(c => c.Bytes),
            await cpu,
            null);
        return (window, accepted);
    }

    // Waits until the accepted runs are in all three services (or stop coming), then looks each one up in metrics.runs.
    private async Task<IntakeLanding> LandingAsync(IReadOnlyList<string> connectors, IReadOnlyList<Guid> accepted)
    {
        var clock = Stopwatch.StartNew();
        var lastProgress = clock.Elapsed;
        var most = -1L;
        long[] landed;
        while (true)
        {
            landed = await session.Database.LandedAsync(connectors, CancellationToken.None);
            if (landed.All(l => l >= accepted.Count))
            {
                break;
            }
            if (landed.Min() > most)
            {
                most = landed.Min();
                lastProgress = clock.Elapsed;
            }
            if (clock.Elapsed > DrainLimit || clock.Elapsed - lastProgress > NoProgressLimit)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var found = await session.Database.FoundInMetricsAsync(connectors, accepted);
        return new IntakeLanding(accepted.Count, landed, accepted.Count - found, clock.Elapsed.TotalSeconds);
    }

    private sealed record Call(TimeSpan Started, TimeSpan Finished, string Status, int Bytes, Guid RunId, bool Ends);
}

// A run as an outside pipeline reports it (Services/Runner/Reports/RunReport.cs): the body of POST /api/runs.
internal static class IntakeReports
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Body(RunCompleted run) => JsonSerializer.SerializeToUtf8Bytes(
        new Report(
            run.RunId,
            run.Connector,
            EnumNames.Name(run.Status),
            run.StartedAt,
            run.FinishedAt,
            run.LatencyMs,
            [.. run.Attempts.Select(a => new Attempt(a.Number, a.StartedAt, a.DurationMs, EnumNames.Name(a.Outcome), a.HttpStatus, a.ErrorType, a.ErrorMessage))],
            run.ErrorType,
            run.ErrorMessage,
            run.Payload,
            run.ExpectedInterval),
        Options);

    private sealed record Report(
        Guid RunId,
        string Connector,
        string Status,
        DateTimeOffset StartedAt,
        DateTimeOffset FinishedAt,
        double LatencyMs,
        IReadOnlyList<Attempt> Attempts,
        string? ErrorType,
        string? ErrorMessage,
        JsonElement? Payload,
        TimeSpan? ExpectedInterval);

    private sealed record Attempt(
        int Number, DateTimeOffset StartedAt, double DurationMs, string Outcome, int? HttpStatus, string? ErrorType, string? ErrorMessage);
}
