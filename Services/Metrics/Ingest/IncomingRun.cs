using ConnectorHealth.Contracts;

namespace ConnectorHealth.Metrics.Ingest;

// A received run with the trace it was published under.
public sealed record IncomingRun(RunCompleted Run, string? TraceId);
