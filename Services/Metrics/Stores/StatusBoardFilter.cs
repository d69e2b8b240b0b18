namespace ConnectorHealth.Metrics.Stores;

// Which connectors the status board covers; null for any. Search is part of the name, in any case.
public sealed record StatusBoardFilter(string? Owner = null, string? Tag = null, string? Search = null, string? Connector = null);
