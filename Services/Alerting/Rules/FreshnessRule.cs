using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>
/// A scheduled connector that has not succeeded for several expected intervals is stale, whether its runs fail or do
/// not happen at all (nothing else notices runs that never start).
/// </summary>
public static class FreshnessRule
{
    /// <param name="firstSeenAt">When the connector was first known: the clock for one that never succeeded.</param>
    /// <param name="expectedInterval">How often it is meant to run; null (or not positive) when it has no schedule.</param>
    public static Finding? Evaluate(
        string connector, DateTimeOffset? lastSuccessAt, DateTimeOffset? firstSeenAt, TimeSpan? expectedInterval, DateTimeOffset now, RuleThresholds thresholds)
    {
        if (ConnectorHealthRule.Stale(lastSuccessAt, firstSeenAt, expectedInterval, now, thresholds.FreshnessFactor) is not { } stale)
        {
            return null;
        }
        var (interval, staleAfter, age) = (stale.ExpectedInterval, stale.StaleAfter, stale.Age);
        var message = lastSuccessAt is null
            ? $"No successful run since it was first seen {AlertText.Duration(age)} ago (expected every {AlertText.Duration(interval)})"
            : $"No successful run for {AlertText.Duration(age)} (expected every {AlertText.Duration(interval)})";
        var details = new Dictionary<string, string>
        {
            ["expected_interval"] = AlertText.Duration(interval),
            ["stale_after"] = AlertText.Duration(staleAfter),
            ["since_last_success"] = AlertText.Duration(age),
        };
        if (lastSuccessAt is { } last)
        {
            details["last_success_at"] = AlertText.Timestamp(last);
        }
        return new Finding(
            RuleNames.Freshness,
            Severity.Warning,
            "",
            message,
            "Check that the connector's schedule is enabled and the runner is up; if runs do happen, look at why they fail.",
            details);
    }
}
