namespace ConnectorHealth.Metrics.Responses;

// A page of the run list; Cursor asks for the next one, null on the last page.
public sealed record RunPage(IReadOnlyList<RunSummary> Items, string? Cursor);
