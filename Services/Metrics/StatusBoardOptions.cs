using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Metrics;

// How GET /api/kpis/connectors judges a connector's state.
public sealed class StatusBoardOptions
{
    // Stale: no successful run within this many expected intervals (the connector's schedule).
    [Range(1, 1000)]
    public double StaleAfterIntervals { get; set; } = 3;

    // Failing: at least this many consecutive failed runs up to the latest run.
    [Range(1, 1000)]
    public int FailingAfterConsecutiveFailures { get; set; } = 3;

    // Degraded: the success rate over the last 24 h is below this.
    [Range(0.0, 1.0)]
    public double DegradedBelowSuccessRate { get; set; } = 0.95;

    // Degraded: the share of rate-limited runs over the last 24 h is above this.
    [Range(0.0, 1.0)]
    public double DegradedAboveRateLimitedRate { get; set; } = 0.2;
}
