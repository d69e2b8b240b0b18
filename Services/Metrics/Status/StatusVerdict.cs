namespace ConnectorHealth.Metrics.Status;

// A connector's state on the status board, with why.
public sealed record StatusVerdict(StatusLevel Level, IReadOnlyList<string> Reasons);
