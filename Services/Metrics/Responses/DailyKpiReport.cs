namespace ConnectorHealth.Metrics.Responses;

public sealed record DailyKpiReport(DateOnly From, DateOnly To, IReadOnlyList<DailyKpi> Items);
