using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.PipelineBench;

// One probe: milliseconds from the probe runs' FinishedAt until each became visible through the gateway (null: not within
// the limit), and the same from the services' own timestamps (the drift event's detectedAt, each alert's createdAt).
internal sealed record LatencySample(
    int Index,
    double? RunVisible,
    double? DriftEventVisible,
    double? FailureAlertVisible,
    double? DriftAlertVisible,
    double? DriftEventDetected,
    double? FailureAlertCreated,
    double? DriftAlertCreated);

internal sealed record LatencyResult(
    IReadOnlyList<LatencySample> Samples, double BackgroundPerSecond, long BackgroundPublished, long?[] MaxReady, TimeSpan PollInterval);

// Detection latency under a steady background load: each sample publishes, at the same moment, a run of a connector whose
// payload changes shape (drift event, then a schema_drift alert) and the third failed run in a row of another connector
// (consecutive_failures alert), then polls the gateway for the run, the drift event and both alerts.
internal sealed class LatencyBench(HttpClient gateway, FanOut pipeline, BenchDatabase database, Action<string> say)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SampleLimit = TimeSpan.FromSeconds(30);

    public async Task<LatencyResult> RunAsync(int samples, double backgroundRate, int connectors, int seed)
    {
        var driftProbes = RunFactory.Names("probe_drift", samples);
        var failureProbes = RunFactory.Names("probe_failing", samples);

        using var stopBackground = new CancellationTokenSource();
        var background = new LoadPublisher(pipeline.Publish, new RunFactory(RunFactory.Names("background", connectors), seed));
        var clock = Stopwatch.StartNew();
        var loading = background.RunAsync(32, backgroundRate, () => true, stopBackground.Token);
        var maxReady = new long?[pipeline.Sinks.Count];
        var watching = WatchQueuesAsync(maxReady, stopBackground.Token);

        // Each probe connector's history before its sample: a first payload shape, or two failed runs.
        var earlier = DateTimeOffset.UtcNow.AddMinutes(-1);
        var setup = driftProbes.Select(c => RunFactory.Succeeded(c, 0, detailed: false, 0, earlier, 500))
            .Concat(failureProbes.SelectMany(c => new[] { RunFactory.Failed(c, earlier, 900), RunFactory.Failed(c, earlier.AddSeconds(1), 900) }))
            .ToList();
        await Task.WhenAll(setup.Select(run => pipeline.Publish(run, CancellationToken.None)));
        var probes = driftProbes.Concat(failureProbes).ToList();
        var waited = Stopwatch.StartNew();
        while ((await database.LandedAsync(probes, CancellationToken.None)).Any(n => n < setup.Count) && waited.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(250);
        }
        say($"  background {backgroundRate:N0} runs/s; probe connectors ready after {waited.Elapsed.TotalSeconds:N1} s");

        var random = new Random(seed);
        var results = new List<LatencySample>();
        for (var i = 0; i < samples; i++)
        {
            results.Add(await SampleAsync(i, driftProbes[i], failureProbes[i]));
            await Task.Delay(200 + random.Next(500));
        }

        await stopBackground.CancelAsync();
        await loading;
        await watching;
        return new LatencyResult(results, background.Published / clock.Elapsed.TotalSeconds, background.Published, maxReady, PollInterval);
    }

    private async Task<LatencySample> SampleAsync(int index, string driftConnector, string failureConnector)
    {
        var finishedAt = DateTimeOffset.UtcNow;
        var changed = RunFactory.Succeeded(driftConnector, 2, detailed: false, index, finishedAt, 500);
        var failed = RunFactory.Failed(failureConnector, finishedAt, 900);
        await Task.WhenAll(pipeline.Publish(changed, CancellationToken.None), pipeline.Publish(failed, CancellationToken.None));

        var run = PollAsync($"/api/runs/{changed.RunId}", finishedAt, body => body);
        var driftEvent = PollAsync($"/api/drift-events?connector={driftConnector}", finishedAt, body => Item(body, i => i.GetProperty("runId").GetGuid() == changed.RunId));
        var failureAlert = PollAsync($"/api/alerts?connector={failureConnector}&rule=consecutive_failures", finishedAt, body => Item(body, _ => true));
        var driftAlert = PollAsync($"/api/alerts?connector={driftConnector}&rule=schema_drift", finishedAt, body => Item(body, _ => true));
        await Task.WhenAll(run, driftEvent, failureAlert, driftAlert);

        double? Stamp(JsonElement? item, string property) =>
            item is { } found ? (found.GetProperty(property).GetDateTimeOffset() - finishedAt).TotalMilliseconds : null;
        var sample = new LatencySample(
            index,
            run.Result.Milliseconds,
            driftEvent.Result.Milliseconds,
            failureAlert.Result.Milliseconds,
            driftAlert.Result.Milliseconds,
            Stamp(driftEvent.Result.Found, "detectedAt"),
            Stamp(failureAlert.Result.Found, "createdAt"),
            Stamp(driftAlert.Result.Found, "createdAt"));
        say($"  sample {index + 1}: run {Ms(sample.RunVisible)}, drift event {Ms(sample.DriftEventVisible)}, "
            + $"failure alert {Ms(sample.FailureAlertVisible)}, drift alert {Ms(sample.DriftAlertVisible)}");
        return sample;
    }

    private static string Ms(double? value) => value is { } v ? $"{v:N0} ms" : "not seen";

    private static JsonElement? Item(JsonElement page, Func<JsonElement, bool> match) =>
        page.GetProperty("items").EnumerateArray().Where(match).Cast<JsonElement?>().FirstOrDefault();

    // Polls until the answer holds what is sought; the time is taken when that answer arrived.
    private async Task<(double? Milliseconds, JsonElement? Found)> PollAsync(string path, DateTimeOffset since, Func<JsonElement, JsonElement?> find)
    {
        while (true)
        {
            using var response = await gateway.GetAsync(path);
            var now = DateTimeOffset.UtcNow;
            if (response.StatusCode == HttpStatusCode.OK && find(await response.Content.ReadFromJsonAsync<JsonElement>()) is { } found)
            {
                return ((now - since).TotalMilliseconds, found);
            }
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
            {
                say($"  {path}: {(int)response.StatusCode}");
            }
            if (now - since > SampleLimit)
            {
                return (null, null);
            }
            await Task.Delay(PollInterval);
        }
    }

    private async Task WatchQueuesAsync(long?[] maxReady, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var ready = await pipeline.ReadyDepths(stop);
                for (var i = 0; i < ready.Length; i++)
                {
                    maxReady[i] = Math.Max(maxReady[i] ?? 0, ready[i] ?? 0);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
