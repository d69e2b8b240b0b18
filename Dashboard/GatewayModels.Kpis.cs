namespace ConnectorHealth.Dashboard;

// The Metrics service's KPI reports beyond the per-connector days (GatewayModels.cs): totals per day and failure reasons.

/// <summary>All connectors together on one UTC day; Connectors is how many ran (the rows /api/kpis/daily has for it).</summary>
public sealed record DailyKpiTotal(DateOnly Day, int Connectors, long Runs, long Succeeded, double SuccessRate, double RateLimitedRate, double MeanAttempts);

public sealed record DailyKpiTotalsReport(DateOnly From, DateOnly To, IReadOnlyList<DailyKpiTotal> Items);

public sealed record FailureReason(string Connector, string ErrorType, long Failures, DateOnly LastDay);

public sealed record FailureReasonReport(DateOnly From, DateOnly To, long TotalFailures, IReadOnlyList<FailureReason> Items);
