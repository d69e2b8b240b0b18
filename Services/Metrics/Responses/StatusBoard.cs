namespace ConnectorHealth.Metrics.Responses;

// One page of the status board. Total counts the connectors that match every filter; Counts those per state that
// match every filter but the state, so each state's share can be shown (and picked) whichever state is shown. Cursor
// is the next page's (null on the last), PreviousCursor the page before's (null on the first).
public sealed record StatusBoard(
    DateTimeOffset AsOf, IReadOnlyList<ConnectorStatus> Items, int Total, string? Cursor, string? PreviousCursor, StatusCounts Counts);

public sealed record StatusCounts(int Failing, int Stale, int Degraded, int Healthy);
