using ConnectorHealth.Operations.SystemStatus;

namespace ConnectorHealth.PipelineBench;

// Everything one bench run measured; written as JSON beside the report.
internal sealed record PipelineResults(
    PipelineBenchOptions Options,
    Machine Machine,
    DateTimeOffset FinishedAt,
    double MeanPayloadBytes,
    IReadOnlyDictionary<string, double> HealthyAfterSeconds,
    IReadOnlyDictionary<string, string> ProcessTrees,
    ProcessSnapshot Idle,
    IReadOnlyDictionary<string, double> IdleCpuPercent,
    IReadOnlyList<WindowResult> Baseline,
    IReadOnlyList<WindowResult> Throughput,
    IReadOnlyDictionary<string, SchemaSize> SizesBefore,
    IReadOnlyDictionary<string, SchemaSize> SizesAfter,
    DatabaseActivity ActivityBefore,
    DatabaseActivity ActivityAfter,
    LatencyResult Latency,
    IntakeResult Intake,
    KpiQueryResult Kpis,
    CpuProfileResult Profile,
    ReplicaResult? Scaled,
    IReadOnlyDictionary<string, ServiceState> StateAtStart,
    IReadOnlyDictionary<string, ServiceState> StateAfterThroughput,
    IReadOnlyDictionary<string, ServiceState> StateAtEnd,
    TimeSpan Elapsed);

// The ingest windows again (bare fan-out, then the pipeline) on a second system started with `Replicas` replicas of
// metrics, drift and alerting; consumers on each service's queue (metrics / drift / alerting) on both systems.
internal sealed record ReplicaResult(
    int Replicas,
    IReadOnlyDictionary<string, double> HealthyAfterSeconds,
    IReadOnlyDictionary<string, string> ProcessTrees,
    long[] ConsumersOneReplica,
    long[] Consumers,
    IReadOnlyList<WindowResult> Baseline,
    IReadOnlyList<WindowResult> Throughput,
    IReadOnlyDictionary<string, ServiceState> StateAfterThroughput);
