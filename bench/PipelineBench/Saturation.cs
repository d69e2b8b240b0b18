using System.Diagnostics;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.PipelineBench;

// A fan-out to drive: how to publish a run, how many runs each sink (a consuming service, or a no-op consumer) has taken
// so far, and the ready messages in each sink's queue.
internal sealed record FanOut(
    IReadOnlyList<string> Sinks,
    Func<RunCompleted, CancellationToken, Task> Publish,
    Func<CancellationToken, Task<long[]>> CountLanded,
    Func<CancellationToken, Task<long?[]>> ReadyDepths);

// One second of a window: runs published and landed in each sink so far, ready messages per sink queue, and the processes.
internal sealed record SecondSample(double Seconds, long Published, long[] Landed, long?[] Ready, ProcessSnapshot Processes, double CountMilliseconds);

internal sealed record WindowResult(
    int Repeat,
    long Published,
    long PublishFailures,
    string? PublishError,
    double PublishedPerSecond,
    double[] LandedPerSecond,
    double EndToEndPerSecond,
    string Slowest,
    double ThrottledShare,
    long?[] ReadyAtEnd,
    double[] ReadyGrowthPerSecond,
    long[] LandedTotal,
    bool AllLanded,
    double DrainSeconds,
    IReadOnlyDictionary<string, double> CpuPercent,
    IReadOnlyDictionary<string, long> PeakRssKb,
    IReadOnlyList<SecondSample> Timeline,
    ProcessSnapshot Start,
    ProcessSnapshot End);

// Drives a fan-out as fast as it sustains for a fixed time: many publishes in flight, paused whenever a sink's queue holds
// more than `backlog` ready messages, so the sinks always have work and the queues stay bounded (a queue that sits at the
// cap marks the sink that cannot keep up). Rates are taken over the window after its ramp-up; then the queues are drained.
internal static class Saturation
{
    private static readonly TimeSpan GateInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan NoProgressLimit = TimeSpan.FromSeconds(30);

    public static async Task<WindowResult> RunAsync(
        int repeat, FanOut fanOut, RunFactory runs, TimeSpan duration, TimeSpan warmUp, int inFlight, int backlog, ProcessWatch watch,
        Action<string> say)
    {
        var before = await fanOut.CountLanded(CancellationToken.None);
        var ready = new long?[fanOut.Sinks.Count];
        var open = true;
        var throttled = 0;
        var steadyGateTicks = 0;
        var clock = Stopwatch.StartNew();

        using var stopGate = new CancellationTokenSource();
        var gate = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(GateInterval);
            do
            {
                var depths = await fanOut.ReadyDepths(CancellationToken.None);
                ready = depths;
                if (depths.All(d => d is not null))
                {
                    open = depths.Max() < backlog;
                }
                if (clock.Elapsed >= warmUp && clock.Elapsed <= duration)
                {
                    steadyGateTicks++;
                    throttled += open ? 0 : 1;
                }
            }
            while (await WaitAsync(timer, stopGate.Token));
        }, CancellationToken.None);

        var publisher = new LoadPublisher(fanOut.Publish, runs);
        using var stopPublishing = new CancellationTokenSource(duration);
        var publishing = publisher.RunAsync(inFlight, null, () => open, stopPublishing.Token);

        var timeline = new List<SecondSample>();
        async Task<SecondSample> Sample()
        {
            var at = clock.Elapsed.TotalSeconds;
            var published = publisher.Published;
            var counting = Stopwatch.StartNew();
            var landed = await fanOut.CountLanded(CancellationToken.None);
            var sample = new SecondSample(
                at, published, [.. landed.Select((l, i) => l - before[i])], [.. ready], watch.Take(), counting.Elapsed.TotalMilliseconds);
            timeline.Add(sample);
            return sample;
        }

        using (var second = new PeriodicTimer(TimeSpan.FromSeconds(1)))
        {
            await Sample();
            while (!publishing.IsCompleted && await second.WaitForNextTickAsync())
            {
                await Sample();
            }
            await publishing;
            var published = publisher.Published;
            say($"    published {published:N0} in {duration.TotalSeconds:N0} s; draining…");
            var drainStart = clock.Elapsed;
            var lastProgress = clock.Elapsed;
            var lastLanded = -1L;
            while (clock.Elapsed - drainStart < DrainLimit && clock.Elapsed - lastProgress < NoProgressLimit)
            {
                await second.WaitForNextTickAsync();
                var sample = await Sample();
                if (sample.Landed.All(l => l >= published))
                {
                    break;
                }
                if (sample.Landed.Min() > lastLanded)
                {
                    lastLanded = sample.Landed.Min();
                    lastProgress = clock.Elapsed;
                }
            }
        }
        await stopGate.CancelAsync();
        await gate;

        var last = timeline[^1];
        var total = publisher.Published;
        // The steady part of the window: from the first sample after the ramp-up to the last one before publishing stopped.
        var from = timeline.First(s => s.Seconds >= warmUp.TotalSeconds);
        var to = timeline.Last(s => s.Seconds <= duration.TotalSeconds + 0.5);
        var seconds = to.Seconds - from.Seconds;
        double[] landedRates = [.. from.Landed.Select((l, i) => (to.Landed[i] - l) / seconds)];
        var slowest = Array.IndexOf(landedRates, landedRates.Min());
        return new WindowResult(
            repeat,
            total,
            publisher.Failed,
            publisher.LastError,
            (to.Published - from.Published) / seconds,
            landedRates,
            landedRates.Min(),
            fanOut.Sinks[slowest],
            steadyGateTicks == 0 ? 0 : (double)throttled / steadyGateTicks,
            to.Ready,
            [.. to.Ready.Select((r, i) => ((r ?? 0) - (from.Ready[i] ?? 0)) / seconds)],
            last.Landed,
            last.Landed.All(l => l >= total),
            last.Seconds - duration.TotalSeconds,
            ProcessSnapshot.CpuPercent(from.Processes, to.Processes),
            timeline.SelectMany(s => s.Processes.RssKb).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Max(r => r.Value)),
            timeline,
            timeline[0].Processes,
            last.Processes);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
