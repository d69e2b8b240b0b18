using ConnectorHealth.Contracts;

namespace ConnectorHealth.IntegrationTests.Metrics;

// Builds runs for tests: realistic but reproducible (seeded), with retries, rate limits and error types.
public sealed class TestRuns(int seed)
{
    private static readonly string?[] ErrorTypes = ["HttpRequestException", "TimeoutException", "SchemaMismatch", "AuthExpired", null];

    private readonly Random _random = new(seed);

    public Random Random => _random;

    public static RunCompleted Run(
        string connector,
        DateTimeOffset startedAt,
        RunStatus status = RunStatus.Succeeded,
        double latencyMs = 120,
        Guid? runId = null,
        string? errorType = null,
        bool rateLimited = false,
        TimeSpan? expectedInterval = null,
        int attempts = 1)
    {
        var id = runId ?? Guid.NewGuid();
        var attemptList = Enumerable.Range(1, attempts).Select(n => new RunAttempt(
            n,
            startedAt.AddMilliseconds((n - 1) * latencyMs / attempts),
            latencyMs / attempts,
            n < attempts ? (rateLimited ? AttemptOutcome.RateLimited : AttemptOutcome.Failed)
                : status == RunStatus.Succeeded ? AttemptOutcome.Succeeded : AttemptOutcome.Failed,
            HttpStatus: n < attempts && rateLimited ? 429 : status == RunStatus.Succeeded ? 200 : 503,
            ErrorType: n < attempts || status == RunStatus.Failed ? errorType ?? "HttpRequestException" : null,
            ErrorMessage: n < attempts || status == RunStatus.Failed ? "boom" : null,
            RetryAfterHonoured: rateLimited && n < attempts ? TimeSpan.FromSeconds(2) : null,
            BackoffApplied: n < attempts ? TimeSpan.FromMilliseconds(250 * n) : null)).ToList();
        return new RunCompleted
        {
            RunId = id,
            Connector = connector,
            Source = RunSource.Scheduled,
            StartedAt = startedAt,
            FinishedAt = startedAt.AddMilliseconds(latencyMs),
            Status = status,
            LatencyMs = latencyMs,
            Attempts = attemptList,
            RateLimited = rateLimited,
            ErrorType = status == RunStatus.Failed ? errorType : null,
            ErrorMessage = status == RunStatus.Failed ? $"{errorType ?? "unknown"} happened" : null,
            ExpectedInterval = expectedInterval,
        };
    }

    // Random runs of the given connectors with start times uniform in [from, to).
    public List<RunCompleted> Many(int count, IReadOnlyList<string> connectors, DateTimeOffset from, DateTimeOffset to)
    {
        var runs = new List<RunCompleted>(count);
        var span = (to - from).Ticks;
        for (var i = 0; i < count; i++)
        {
            var startedAt = from.AddTicks((long)(_random.NextDouble() * span));
            runs.Add(RandomRun(connectors[_random.Next(connectors.Count)], startedAt));
        }
        return runs;
    }

    public RunCompleted RandomRun(string connector, DateTimeOffset startedAt)
    {
        var failed = _random.NextDouble() < 0.2;
        var rateLimited = _random.NextDouble() < 0.1;
        // Log-normal around ~150 ms with a long tail, sometimes under 1 ms.
        var latency = Math.Exp(5 + 1.2 * Gaussian()) * (_random.NextDouble() < 0.02 ? 0.001 : 1);
        var run = Run(
            connector,
            startedAt,
            failed ? RunStatus.Failed : RunStatus.Succeeded,
            latency,
            errorType: failed ? ErrorTypes[_random.Next(ErrorTypes.Length)] : null,
            rateLimited: rateLimited,
            expectedInterval: _random.NextDouble() < 0.9 ? TimeSpan.FromMinutes(5) : null,
            attempts: failed || rateLimited ? 1 + _random.Next(3) : 1);
        return run with { Source = (RunSource)_random.Next(3) };
    }

    public List<T> Shuffle<T>(IEnumerable<T> items)
    {
        var list = items.ToList();
        _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        return list;
    }

    // Splits into batches of random sizes from 1 to maxBatch.
    public List<List<T>> Batches<T>(IReadOnlyList<T> items, int maxBatch)
    {
        var batches = new List<List<T>>();
        for (var i = 0; i < items.Count;)
        {
            var size = Math.Min(1 + _random.Next(maxBatch), items.Count - i);
            batches.Add([.. items.Skip(i).Take(size)]);
            i += size;
        }
        return batches;
    }

    private double Gaussian() =>
        Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
