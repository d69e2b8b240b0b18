using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Reports;

/// <summary>A run report to store: the run it becomes, its content's fingerprint, and the trace it arrived in.</summary>
public sealed record ReportToStore(RunCompleted Run, byte[] Fingerprint, string? TraceParent);
