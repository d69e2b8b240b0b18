namespace ConnectorHealth.Metrics.Queries;

public sealed record DailyKpiReport(DateOnly From, DateOnly To, IReadOnlyList<DailyKpi> Items);
