namespace ConnectorHealth.Metrics.Queries;

public sealed record FailureReason(string Connector, string ErrorType, long Failures, DateOnly LastDay);
