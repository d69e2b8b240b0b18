namespace ConnectorHealth.Metrics.Responses;

public sealed record DailyKpiTotalsReport(DateOnly From, DateOnly To, IReadOnlyList<DailyKpiTotal> Items);
