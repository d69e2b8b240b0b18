using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Detection;

namespace ConnectorHealth.DriftBench;

// One order in which the runs reach the processor. Late: deliveries that come after a later run of their connector was
// recorded in an earlier batch, which the processor must put in their place.
internal sealed record DeliveryPlan(string Name, string How, IReadOnlyList<RunCompleted> Messages, int Distinct, int Late);

// The runs of many connectors, one every 1.5 s across them (each connector about every 5 minutes with 200), in finish
// order, with typical 1–5 KB payloads. Each run changes its connector's payload to the next of three shapes with a
// small probability, so the expected history is known: which versions each connector has and how many changes.
internal sealed class RunStream
{
    public const int BatchSize = 100;
    public const double ChangeProbability = 0.02;

    private RunStream(List<RunCompleted> runs, int versions, int changes, long payloadBytes)
    {
        Runs = runs;
        ExpectedVersions = versions;
        ExpectedEvents = changes;
        MeanPayloadBytes = (double)payloadBytes / runs.Count;
    }

    public IReadOnlyList<RunCompleted> Runs { get; }

    public int ExpectedVersions { get; }

    public int ExpectedEvents { get; }

    public double MeanPayloadBytes { get; }

    public static RunStream Generate(int seed, int count, int connectors)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var shapes = new int?[connectors];
        var versions = new HashSet<(int Connector, int Shape)>();
        var changes = 0;
        long bytes = 0;
        var runs = new List<RunCompleted>(count);
        Span<byte> id = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            var connector = random.Next(connectors);
            if (shapes[connector] is not { } shape)
            {
                shape = 0;
            }
            else if (random.NextDouble() < ChangeProbability)
            {
                shape = (shape + 1) % SamplePayloads.Shapes;
                changes++;
            }
            shapes[connector] = shape;
            versions.Add((connector, shape));

            // Half the connectors fetch compact records, half detailed ones; 10–30 records a page.
            var payload = SamplePayloads.Typical(random, random.Next(10, 31), detailed: connector % 2 == 1, shape);
            bytes += payload.Length;
            random.NextBytes(id);
            var finishedAt = start.AddMilliseconds(i * 1_500.0 + random.Next(1_000));
            var latency = 200 + random.Next(5_000);
            runs.Add(new RunCompleted
            {
                RunId = new Guid(id),
                Connector = $"connector-{connector:D3}",
                Source = RunSource.Scheduled,
                StartedAt = finishedAt.AddMilliseconds(-latency),
                FinishedAt = finishedAt,
                Status = RunStatus.Succeeded,
                LatencyMs = latency,
                Payload = JsonSerializer.Deserialize<JsonElement>(payload),
                PayloadBytes = payload.Length,
                ExpectedInterval = TimeSpan.FromMinutes(5),
            });
        }
        return new RunStream(runs, versions.Count, changes, bytes);
    }

    public DeliveryPlan InOrder() => Plan("in order", "each run once, in finish order", Runs);

    // A tenth of the runs is held back by 5 to 20 batches (by then their connector has almost always run again); the
    // rest keep their order.
    public DeliveryPlan Shuffled(int seed)
    {
        var random = new Random(seed);
        var order = Runs.Select((run, i) => (Run: run, Key: i + (random.NextDouble() < 0.10 ? random.Next(5 * BatchSize, 20 * BatchSize) : 0)))
            .OrderBy(x => x.Key)
            .Select(x => x.Run)
            .ToList();
        return Plan("shuffled", "10% of the runs held back by 5–20 batches", order);
    }

    // Every run comes again, within the next 5 batches (sometimes in the same batch).
    public DeliveryPlan Twice(int seed)
    {
        var random = new Random(seed);
        var order = Runs.SelectMany((run, i) => new[] { (Run: run, Key: (double)i), (Run: run, Key: i + 0.5 + random.Next(5 * BatchSize)) })
            .OrderBy(x => x.Key)
            .Select(x => x.Run)
            .ToList();
        return Plan("delivered twice", "every run delivered twice, the copy up to 5 batches later", order);
    }

    private static DeliveryPlan Plan(string name, string how, IReadOnlyList<RunCompleted> messages) =>
        new(name, how, messages, messages.Select(m => m.RunId).Distinct().Count(), CountLate(messages));

    // Replays the processor's notion of lateness over batches taken one at a time.
    private static int CountLate(IReadOnlyList<RunCompleted> messages)
    {
        var latest = new Dictionary<string, RunCompleted>(StringComparer.Ordinal);
        var seen = new HashSet<Guid>();
        var late = 0;
        foreach (var batch in messages.Chunk(BatchSize))
        {
            var fresh = batch.Where(run => seen.Add(run.RunId)).ToList();
            foreach (var run in fresh)
            {
                if (latest.TryGetValue(run.Connector, out var last) && Before(run, last))
                {
                    late++;
                }
            }
            foreach (var run in fresh)
            {
                if (!latest.TryGetValue(run.Connector, out var last) || Before(last, run))
                {
                    latest[run.Connector] = run;
                }
            }
        }
        return late;
    }

    private static bool Before(RunCompleted a, RunCompleted b) => RunOrder.Compare(a.FinishedAt, a.RunId, b.FinishedAt, b.RunId) < 0;
}
