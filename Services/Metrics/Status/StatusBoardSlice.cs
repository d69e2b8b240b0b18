using ConnectorHealth.Metrics.Responses;

namespace ConnectorHealth.Metrics.Status;

// A page of judged connectors (StatusRules.Page): Total of them in the state asked for, Counts per state over all,
// and where the next page starts (null after the last) and the one before (null on the first).
public sealed record StatusBoardSlice(
    IReadOnlyList<(ConnectorFacts Facts, StatusVerdict Verdict)> Items, int Total, StatusCounts Counts, int? NextSkip, int? PreviousSkip);
