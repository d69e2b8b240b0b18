namespace ConnectorHealth.Metrics.Responses;

// KPIs of one connector on one UTC day. Rates are 0–1; latencies in milliseconds.
public sealed record DailyKpi(
    string Connector,
    DateOnly Day,
    int Runs,
    double SuccessRate,
    double RateLimitedRate,
    double MeanAttempts,
    double MeanLatencyMs,
    double P50LatencyMs,
    double P95LatencyMs,
    double P99LatencyMs,
    double MaxLatencyMs);
