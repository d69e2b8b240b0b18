using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.DriftBench;

namespace ConnectorHealth.PipelineBench;

// RunCompleted messages as connectors send them: typical 1–5 KB payloads (the drift benchmark's, compact records for
// even connectors and detailed ones for odd), each run moving its connector on to the next of three payload shapes with
// a small probability (a schema change), and a share of failed runs without a payload. Safe to call from many publishers.
internal sealed class RunFactory
{
    public const double SchemaChangeProbability = 0.02;
    public const double FailureProbability = 0.05;

    private const int VariantsPerShape = 8;

    // [shape, detailed, variant]: generated once, so publishing costs no JSON writing.
    private static readonly Lazy<(JsonElement Json, int Bytes)[,,]> Pool = new(BuildPool);

    private readonly IReadOnlyList<string> _connectors;
    private readonly int?[] _shapes;
    private readonly Random _random;
    private readonly Lock _lock = new();

    public RunFactory(IReadOnlyList<string> connectors, int seed)
    {
        _connectors = connectors;
        _shapes = new int?[connectors.Count];
        _random = new Random(seed);
    }

    public IReadOnlyList<string> Connectors => _connectors;

    public long Runs { get; private set; }

    public long SchemaChanges { get; private set; }

    public long Failures { get; private set; }

    public static double MeanPayloadBytes
    {
        get
        {
            var pool = Pool.Value;
            return pool.Cast<(JsonElement Json, int Bytes)>().Average(p => p.Bytes);
        }
    }

    public static IReadOnlyList<string> Names(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => $"{prefix}_{i:D3}")];

    public RunCompleted Next(DateTimeOffset finishedAt)
    {
        int index, shape, variant;
        bool failed;
        double latency;
        lock (_lock)
        {
            index = _random.Next(_connectors.Count);
            failed = _random.NextDouble() < FailureProbability;
            shape = _shapes[index] ?? 0;
            if (failed)
            {
                // A failed run carries no payload, so it leaves the connector's shape where it was.
                Failures++;
            }
            else
            {
                if (_shapes[index] is not null && _random.NextDouble() < SchemaChangeProbability)
                {
                    shape = (shape + 1) % SamplePayloads.Shapes;
                    SchemaChanges++;
                }
                _shapes[index] = shape;
            }
            variant = _random.Next(VariantsPerShape);
            latency = 200 + _random.Next(5_000);
            Runs++;
        }
        var connector = _connectors[index];
        return failed
            ? Failed(connector, finishedAt, latency)
            : Succeeded(connector, shape, detailed: index % 2 == 1, variant, finishedAt, latency);
    }

    public static RunCompleted Succeeded(string connector, int shape, bool detailed, int variant, DateTimeOffset finishedAt, double latencyMs)
    {
        var (json, bytes) = Pool.Value[shape, detailed ? 1 : 0, variant % VariantsPerShape];
        return new RunCompleted
        {
            RunId = Guid.CreateVersion7(finishedAt),
            Connector = connector,
            Source = RunSource.Scheduled,
            StartedAt = finishedAt.AddMilliseconds(-latencyMs),
            FinishedAt = finishedAt,
            Status = RunStatus.Succeeded,
            LatencyMs = latencyMs,
            Attempts = [new RunAttempt(1, finishedAt.AddMilliseconds(-latencyMs), latencyMs, AttemptOutcome.Succeeded, HttpStatus: 200)],
            Payload = json,
            PayloadBytes = bytes,
            ExpectedInterval = TimeSpan.FromMinutes(5),
        };
    }

    // Three attempts answered 503, as a retried server error looks.
    public static RunCompleted Failed(string connector, DateTimeOffset finishedAt, double latencyMs)
    {
        var startedAt = finishedAt.AddMilliseconds(-latencyMs);
        var attempt = latencyMs / 3;
        return new RunCompleted
        {
            RunId = Guid.CreateVersion7(finishedAt),
            Connector = connector,
            Source = RunSource.Scheduled,
            StartedAt = startedAt,
            FinishedAt = finishedAt,
            Status = RunStatus.Failed,
            LatencyMs = latencyMs,
            Attempts =
            [
                .. Enumerable.Range(0, 3).Select(i => new RunAttempt(
                    i + 1, startedAt.AddMilliseconds(i * attempt), attempt, AttemptOutcome.Failed, 503, "ServerError", "503 Service Unavailable")),
            ],
            ErrorType = "ServerError",
            ErrorMessage = "503 Service Unavailable after 3 attempts",
            ExpectedInterval = TimeSpan.FromMinutes(5),
        };
    }

    private static (JsonElement, int)[,,] BuildPool()
    {
        var random = new Random(7);
        var pool = new (JsonElement, int)[SamplePayloads.Shapes, 2, VariantsPerShape];
        for (var shape = 0; shape < SamplePayloads.Shapes; shape++)
        {
            for (var detailed = 0; detailed < 2; detailed++)
            {
                for (var variant = 0; variant < VariantsPerShape; variant++)
                {
                    var bytes = SamplePayloads.Typical(random, random.Next(10, 31), detailed == 1, shape);
                    pool[shape, detailed, variant] = (JsonSerializer.Deserialize<JsonElement>(bytes), bytes.Length);
                }
            }
        }
        return pool;
    }
}
