using ConnectorHealth.ServiceDefaults.Pipeline;

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
    IReadOnlyDictionary<string, ServiceState> StateAtStart,
    IReadOnlyDictionary<string, ServiceState> StateAfterThroughput,
    IReadOnlyDictionary<string, ServiceState> StateAtEnd,
    TimeSpan Elapsed);
