namespace ConnectorHealth.Metrics.Queries;

// KPIs of all connectors together on one UTC day: Connectors is how many ran that day. Rates are 0–1.
public sealed record DailyKpiTotal(
    DateOnly Day,
    int Connectors,
    long Runs,
    long Succeeded,
    double SuccessRate,
    double RateLimitedRate,
    double MeanAttempts);
