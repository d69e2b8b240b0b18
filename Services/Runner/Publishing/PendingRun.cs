using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Publishing;

/// <summary>A finished run waiting for the broker, with the trace it belongs to.</summary>
/// <param name="Stored">Kept in <c>runner.pending_runs</c> (a reported run from the start, a scheduled one only after a shutdown).</param>
/// <param name="Since">When it began to wait, for the backlog's age.</param>
public sealed record PendingRun(RunCompleted Run, string? TraceParent, bool Stored, DateTimeOffset Since);
