namespace ConnectorHealth.Metrics.Responses;

public sealed record FailureReason(string Connector, string ErrorType, long Failures, DateOnly LastDay);
