using ConnectorHealth.Operations.Broker;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>
/// What the background sampler saw of the pipeline, and the judgements made on it (stalled consumers, growing
/// dead-letter stores). Health checks and the system API read it; only the sampler writes it.
/// </summary>
public sealed class PipelineMonitor(ReceiveEndpoints endpoints, IOptionsMonitor<PipelineOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, QueueWatch> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(DateTimeOffset At, long Count)>> _stores = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    /// <summary>Records a queue's depth; null when it could not be read (the last known depth is then forgotten).</summary>
    public void ObserveQueue(string queue, QueueDepth? depth)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var watch = _queues.TryGetValue(queue, out var known) ? known : _queues[queue] = new QueueWatch();
            watch.Depth = depth;
            if (depth is null)
            {
                return;
            }
            watch.WaitingSince = depth.Messages > 0 ? watch.WaitingSince ?? now : null;
            watch.NoConsumerSince = depth.Exists && depth.Consumers == 0 ? watch.NoConsumerSince ?? now : null;
        }
    }

    /// <summary>Records a dead-letter store's count; null when unknown (the sample is skipped, the history kept).</summary>
    public void ObserveStore(string store, long? count)
    {
        if (count is not { } known)
        {
            return;
        }
        var now = time.GetUtcNow();
        var keepFrom = now - options.CurrentValue.ErrorGrowthWindow;
        lock (_gate)
        {
            var samples = _stores.TryGetValue(store, out var list) ? list : _stores[store] = [];
            samples.Add((now, known));
            // Keep one sample from before the window: the count the window's first change is compared with.
            while (samples.Count > 1 && samples[1].At <= keepFrom)
            {
                samples.RemoveAt(0);
            }
        }
    }

    /// <summary>Consumers that stopped: messages wait and nothing was consumed for StalledAfter, or no consumer is attached.</summary>
    public IReadOnlyList<string> ConsumerProblems()
    {
        var now = time.GetUtcNow();
        var settings = options.CurrentValue;
        var problems = new List<string>();
        lock (_gate)
        {
            foreach (var (queue, watch) in _queues.OrderBy(q => q.Key, StringComparer.Ordinal))
            {
                if (watch.Depth is not { Exists: true } depth)
                {
                    continue;
                }
                if (watch.NoConsumerSince is { } since && now - since >= settings.NoConsumerAfter)
                {
                    problems.Add($"{queue} has no consumer ({depth.Messages} waiting)");
                }
                else if (Lag(queue, watch, now) is { } lag && lag >= settings.StalledAfter)
                {
                    problems.Add($"{queue} consumed nothing for {lag.TotalSeconds:0} s while {depth.Messages} messages wait");
                }
            }
        }
        return problems;
    }

    /// <summary>
    /// How long messages have waited in a queue without the consumer finishing any: from the later of the last consumed
    /// message and the moment messages started waiting. Zero when none wait; null when the depth is unknown.
    /// </summary>
    public TimeSpan? Lag(string queue)
    {
        lock (_gate)
        {
            return _queues.TryGetValue(queue, out var watch) ? Lag(queue, watch, time.GetUtcNow()) : null;
        }
    }

    /// <summary>Dead-letter stores whose count rose within the growth window (every rise counts, even after a re-drive).</summary>
    public IReadOnlyList<DeadLetterGrowth> Growth()
    {
        var windowStart = time.GetUtcNow() - options.CurrentValue.ErrorGrowthWindow;
        var growth = new List<DeadLetterGrowth>();
        lock (_gate)
        {
            foreach (var (store, samples) in _stores.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                long grew = 0;
                for (var i = 1; i < samples.Count; i++)
                {
                    if (samples[i].At > windowStart && samples[i].Count > samples[i - 1].Count)
                    {
                        grew += samples[i].Count - samples[i - 1].Count;
                    }
                }
                if (grew > 0)
                {
                    growth.Add(new DeadLetterGrowth(store, grew, samples[^1].Count));
                }
            }
        }
        return growth;
    }

    private TimeSpan? Lag(string queue, QueueWatch watch, DateTimeOffset now)
    {
        if (watch.Depth is null)
        {
            return null;
        }
        if (watch.WaitingSince is not { } waiting)
        {
            return TimeSpan.Zero;
        }
        var lastConsumed = endpoints.LastConsumedAt(queue) ?? _startedAt;
        var since = lastConsumed > waiting ? lastConsumed : waiting;
        return now > since ? now - since : TimeSpan.Zero;
    }

    private sealed class QueueWatch
    {
        public QueueDepth? Depth { get; set; }

        public DateTimeOffset? WaitingSince { get; set; }

        public DateTimeOffset? NoConsumerSince { get; set; }
    }
}
