namespace ConnectorHealth.Metrics.Queries;

public sealed record StatusBoard(DateTimeOffset AsOf, IReadOnlyList<ConnectorStatus> Items);
