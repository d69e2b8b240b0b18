namespace ConnectorHealth.Metrics.Stores;

// Which connectors the status board covers; null for any. Search is part of the name, in any case; Connectors a set of names.
public sealed record StatusBoardFilter(
    string? Owner = null, string? Tag = null, string? Search = null, string? Connector = null, IReadOnlyCollection<string>? Connectors = null);
