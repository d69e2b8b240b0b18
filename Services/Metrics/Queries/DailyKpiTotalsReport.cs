namespace ConnectorHealth.Metrics.Queries;

public sealed record DailyKpiTotalsReport(DateOnly From, DateOnly To, IReadOnlyList<DailyKpiTotal> Items);
