namespace ConnectorHealth.Metrics.Responses;

public sealed record StatusBoard(DateTimeOffset AsOf, IReadOnlyList<ConnectorStatus> Items);
