namespace ConnectorHealth.Metrics.Responses;

public sealed record FailureReasonReport(DateOnly From, DateOnly To, long TotalFailures, IReadOnlyList<FailureReason> Items);
