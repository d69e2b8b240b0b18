using ConnectorHealth.Contracts;

namespace ConnectorHealth.MetricsBench;

// One connector's behaviour over the benchmark's year.
internal sealed record ConnectorProfile(
    string Name,
    int Runs,
    DateTimeOffset From,
    DateTimeOffset To,
    TimeSpan Interval,
    double FailureRate,
    double RateLimitRate,
    double LatencyMedianMs,
    double LatencySigma,
    string?[] ErrorTypes,
    (DateTimeOffset From, DateTimeOffset To)[] Outages);

// A generated attempt: outcome, duration, HTTP status, error, Retry-After and backoff.
internal readonly record struct GeneratedAttempt(
    int Number, DateTimeOffset StartedAt, double DurationMs, string Outcome, int HttpStatus, string? ErrorType, string? ErrorMessage,
    double? RetryAfterMs, double? BackoffMs);

internal sealed record GeneratedRun(
    Guid RunId,
    string Connector,
    string Source,
    bool Succeeded,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double LatencyMs,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string TraceId,
    long PayloadBytes,
    TimeSpan? ExpectedInterval,
    GeneratedAttempt[] Attempts);

// Reproducible connector runs over a year (seeded): connectors of very different frequencies (log-normal shares),
// mostly healthy with some degraded, failing, rate-limited and outage-prone ones, a few that stopped running, and
// log-normal latencies with retries. Runs come out in start-time order, as they would arrive.
internal sealed class RunGenerator
{
    private static readonly string?[] AllErrorTypes =
    [
        "HttpRequestException", "TimeoutException", "AuthenticationFailed", "RateLimitExceeded", "SchemaMismatch",
        "ServiceUnavailable", "InvalidResponse", "ConnectionReset", "NotFound", null,
    ];

    private readonly Random _random;

    public RunGenerator(int seed, int runs, int connectors, DateTimeOffset start, DateTimeOffset end)
    {
        _random = new Random(seed);
        Start = start;
        End = end;
        Profiles = CreateProfiles(runs, connectors);
    }

    public DateTimeOffset Start { get; }

    public DateTimeOffset End { get; }

    public IReadOnlyList<ConnectorProfile> Profiles { get; }

    public IEnumerable<GeneratedRun> Runs()
    {
        var queue = new PriorityQueue<(int Connector, int Index), DateTimeOffset>();
        for (var c = 0; c < Profiles.Count; c++)
        {
            queue.Enqueue((c, 0), StartOf(Profiles[c], 0));
        }
        while (queue.TryDequeue(out var next, out var startedAt))
        {
            var profile = Profiles[next.Connector];
            yield return Run(profile, startedAt);
            if (next.Index + 1 < profile.Runs)
            {
                queue.Enqueue((next.Connector, next.Index + 1), StartOf(profile, next.Index + 1));
            }
        }
    }

    // Evenly spread with ±20 % jitter, so a connector's runs stay in order.
    private DateTimeOffset StartOf(ConnectorProfile profile, int index)
    {
        var spacing = (profile.To - profile.From).Ticks / (double)profile.Runs;
        var ticks = spacing * (index + 0.5 + 0.4 * (_random.NextDouble() - 0.5));
        var at = profile.From.AddTicks((long)ticks);
        return new DateTimeOffset(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);
    }

    private List<ConnectorProfile> CreateProfiles(int runs, int connectors)
    {
        var weights = Enumerable.Range(0, connectors).Select(_ => Math.Exp(0.8 * Gaussian())).ToArray();
        var total = weights.Sum();
        var counts = weights.Select(w => Math.Max(1, (int)(runs * w / total))).ToArray();
        for (var i = 0; counts.Sum() < runs; i = (i + 1) % connectors)
        {
            counts[i]++;
        }
        for (var i = 0; counts.Sum() > runs; i = (i + 1) % connectors)
        {
            if (counts[i] > 1)
            {
                counts[i]--;
            }
        }

        var profiles = new List<ConnectorProfile>(connectors);
        for (var c = 0; c < connectors; c++)
        {
            var kind = _random.NextDouble();
            var failureRate = kind switch
            {
                < 0.05 => 0.5 + 0.4 * _random.NextDouble(),   // failing
                < 0.17 => 0.05 + 0.15 * _random.NextDouble(), // degraded
                _ => 0.002 + 0.028 * _random.NextDouble(),    // healthy
            };
            var rateLimitRate = _random.NextDouble() < 0.05 ? 0.2 + 0.2 * _random.NextDouble() : 0.05 * _random.NextDouble();
            // A few connectors stopped running some days ago: the status board should call them stale.
            var to = _random.NextDouble() < 0.02 && End - Start > TimeSpan.FromDays(30) ? End.AddDays(-1 - _random.Next(10)) : End;
            var interval = TimeSpan.FromTicks((to - Start).Ticks / counts[c]);
            var outages = _random.NextDouble() < 0.1
                ? Enumerable.Range(0, 1 + _random.Next(4)).Select(_ =>
                {
                    var from = Start.AddHours(_random.Next((int)(to - Start).TotalHours));
                    return (from, from.AddHours(1 + _random.Next(12)));
                }).ToArray()
                : [];
            var errorTypes = Enumerable.Range(0, 2 + _random.Next(3)).Select(_ => AllErrorTypes[_random.Next(AllErrorTypes.Length)]).ToArray();
            profiles.Add(new ConnectorProfile(
                $"connector_{c + 1:D3}",
                counts[c],
                Start,
                to,
                interval,
                failureRate,
                rateLimitRate,
                Math.Exp(Math.Log(40) + _random.NextDouble() * Math.Log(2500 / 40.0)),
                0.3 + 0.6 * _random.NextDouble(),
                errorTypes,
                outages));
        }
        return profiles;
    }

    private GeneratedRun Run(ConnectorProfile profile, DateTimeOffset startedAt)
    {
        var inOutage = profile.Outages.Any(o => startedAt >= o.From && startedAt < o.To);
        var failed = inOutage || _random.NextDouble() < profile.FailureRate;
        var rateLimited = !inOutage && _random.NextDouble() < profile.RateLimitRate;
        var errorType = !failed ? null : inOutage ? "ServiceUnavailable" : profile.ErrorTypes[_random.Next(profile.ErrorTypes.Length)];
        var latency = errorType == "TimeoutException"
            ? 30_000 + 100 * _random.NextDouble()
            : profile.LatencyMedianMs * Math.Exp(profile.LatencySigma * Gaussian());
        var attemptCount = failed ? 3 : rateLimited ? 2 + _random.Next(2) : _random.NextDouble() < 0.08 ? 2 : 1;

        var attempts = new GeneratedAttempt[attemptCount];
        var at = startedAt;
        for (var n = 1; n <= attemptCount; n++)
        {
            var last = n == attemptCount;
            var duration = latency / attemptCount;
            var (outcome, status, type) = last
                ? failed ? (errorType == "TimeoutException" ? "timed_out" : "failed", 503, errorType) : ("succeeded", 200, (string?)null)
                : rateLimited ? ("rate_limited", 429, "RateLimitExceeded") : ("failed", 502, "HttpRequestException");
            var retryAfter = !last && rateLimited ? 1000.0 * (1 + _random.Next(5)) : (double?)null;
            var backoff = last ? (double?)null : 250.0 * n;
            attempts[n - 1] = new GeneratedAttempt(n, at, duration, outcome, status, type, type is null ? null : $"{type}: the vendor said no", retryAfter, backoff);
            at = at.AddMilliseconds(duration + (retryAfter ?? backoff ?? 0));
        }

        var source = _random.NextDouble() switch { < 0.9 => "scheduled", < 0.97 => "triggered", _ => "reported" };
        return new GeneratedRun(
            Guid.CreateVersion7(startedAt),
            profile.Name,
            source,
            !failed,
            startedAt,
            startedAt.AddMilliseconds(latency),
            latency,
            rateLimited,
            errorType,
            failed ? $"{errorType ?? "Unknown error"}: the connector gave up after {attemptCount} attempts" : null,
            Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            failed ? 0 : 1_000 + _random.Next(200_000),
            source == "reported" ? null : profile.Interval,
            attempts);
    }

    // The same run as the message the service consumes (for the ingest measurement).
    public static RunCompleted Message(GeneratedRun run) => new()
    {
        RunId = run.RunId,
        Connector = run.Connector,
        Source = Enum.Parse<RunSource>(run.Source, ignoreCase: true),
        StartedAt = run.StartedAt,
        FinishedAt = run.FinishedAt,
        Status = run.Succeeded ? RunStatus.Succeeded : RunStatus.Failed,
        LatencyMs = run.LatencyMs,
        RateLimited = run.RateLimited,
        ErrorType = run.ErrorType,
        ErrorMessage = run.ErrorMessage,
        PayloadBytes = run.PayloadBytes,
        ExpectedInterval = run.ExpectedInterval,
        Attempts = [.. run.Attempts.Select(a => new RunAttempt(
            a.Number, a.StartedAt, a.DurationMs,
            a.Outcome switch { "succeeded" => AttemptOutcome.Succeeded, "rate_limited" => AttemptOutcome.RateLimited, "timed_out" => AttemptOutcome.TimedOut, _ => AttemptOutcome.Failed },
            a.HttpStatus, a.ErrorType, a.ErrorMessage,
            a.RetryAfterMs is { } r ? TimeSpan.FromMilliseconds(r) : null,
            a.BackoffMs is { } b ? TimeSpan.FromMilliseconds(b) : null))],
    };

    private double Gaussian() =>
        Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
}
