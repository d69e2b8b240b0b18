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

    // What an OpenLineage producer says of a run (Airflow by default), with the given parent, nominal times and datasets.
    public static RunLineage Lineage(
        string jobNamespace,
        string jobName,
        IReadOnlyList<LineageDataset>? inputs = null,
        IReadOnlyList<LineageDataset>? outputs = null,
        RunCompleted? parent = null,
        DateTimeOffset? nominalStart = null,
        DateTimeOffset? nominalEnd = null,
        LineageEventType lastEvent = LineageEventType.Complete,
        int events = 2) => new()
    {
        JobNamespace = jobNamespace,
        JobName = jobName,
        Producer = "https://github.com/apache/airflow/tree/providers-openlineage/2.1.0",
        LastEventType = lastEvent,
        Events = events,
        ProcessingType = "batch",
        Integration = "AIRFLOW",
        JobType = "TASK",
        Parent = parent is { Lineage: { } p }
            ? new LineageParent(parent.RunId, p.JobNamespace, p.JobName, parent.Connector)
            : null,
        NominalStartTime = nominalStart,
        NominalEndTime = nominalEnd,
        Inputs = inputs ?? [],
        Outputs = outputs ?? [],
    };

    public static LineageDataset Dataset(string datasetNamespace, string name, long? rows = null, long? bytes = null) => new()
    {
        Key = LineageNames.Dataset(datasetNamespace, name),
        Namespace = datasetNamespace,
        Name = name,
        RowCount = rows,
        Bytes = bytes,
    };

    // A run reported by OpenLineage events: its connector is its job's name, its status what its last event says.
    public static RunCompleted Reported(RunLineage lineage, DateTimeOffset startedAt, double latencyMs = 60_000, Guid? runId = null)
    {
        var status = lineage.LastEventType switch
        {
            LineageEventType.Fail => RunStatus.Failed,
            LineageEventType.Abort => RunStatus.Aborted,
            _ => RunStatus.Succeeded,
        };
        return Run(LineageNames.Connector(lineage.JobNamespace, lineage.JobName), startedAt, status == RunStatus.Aborted ? RunStatus.Failed : status,
                latencyMs, runId, errorType: status == RunStatus.Failed ? "TaskFailed" : null) with
        {
            Status = status,
            Source = RunSource.Reported,
            Attempts = [],
            ErrorType = status == RunStatus.Failed ? "TaskFailed" : null,
            ErrorMessage = status == RunStatus.Failed ? "task failed" : null,
            Lineage = lineage,
        };
    }

    // The run as its producer reported it while it ran, last alive at updatedAt.
    public static RunInProgress Progress(RunCompleted run, DateTimeOffset updatedAt, int events = 1) => new()
    {
        RunId = run.RunId,
        Connector = run.Connector,
        Source = RunSource.Reported,
        StartedAt = run.StartedAt,
        UpdatedAt = updatedAt,
        Lineage = run.Lineage! with { LastEventType = events == 1 ? LineageEventType.Start : LineageEventType.Running, Events = events },
    };

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
