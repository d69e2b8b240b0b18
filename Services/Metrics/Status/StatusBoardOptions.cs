using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Metrics.Status;

// How GET /api/kpis/connectors judges a connector's state beyond failing and stale, which are not set here: they are
// ConnectorHealthRule with ConnectorHealthThresholds ("Alerting:Rules"), the rule and thresholds Alerting's alerts use.
public sealed class StatusBoardOptions
{
    // Degraded: the success rate over the last 24 h is below this.
    [Range(0.0, 1.0)]
    public double DegradedBelowSuccessRate { get; set; } = 0.95;

    // Degraded: the share of rate-limited runs over the last 24 h is above this.
    [Range(0.0, 1.0)]
    public double DegradedAboveRateLimitedRate { get; set; } = 0.2;
}
