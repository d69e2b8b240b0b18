namespace ConnectorHealth.Metrics.Responses;

// KPIs of one connector on one UTC day. Rates are 0–1; latencies in milliseconds. Runs counts every run, aborted ones
// too; SuccessRate is the share of all runs that succeeded (as the seed mart's success_rate), and Aborted how many were
// stopped before they finished (neither succeeded nor failed). Lateness is finishedAt minus the run's nominal end (or
// nominal start), over the runs that had a nominal time (null when none had).
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
    double MaxLatencyMs,
    int Aborted = 0,
    double? MeanLatenessMs = null,
    double? MaxLatenessMs = null);
