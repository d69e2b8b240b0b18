using ConnectorHealth.Contracts;

namespace ConnectorHealth.Metrics.Ingest;

// A received run in progress with the trace it was published under.
public sealed record IncomingProgress(RunInProgress Run, string? TraceId);
