using System.Globalization;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Thresholds;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>Too large a share of recent runs hit the provider's rate limit: the schedule asks more than the quota gives.</summary>
public static class RateLimitRule
{
    public const string RecommendedAction =
        "Lower the connector's request rate (schedule, page size, concurrency) or ask the provider to raise the quota.";

    public static Finding? Evaluate(string connector, WindowCounts window, RuleThresholds thresholds)
    {
        if (window.Total < thresholds.RateLimitMinRuns || window.Total <= 0)
        {
            return null;
        }
        var share = (double)window.RateLimited / window.Total;
        if (share <= thresholds.RateLimitedShare)
        {
            return null;
        }
        var over = AlertText.Duration(thresholds.RateLimitWindow);
        return new Finding(
            RuleNames.RateLimit,
            Severity.Warning,
            "",
            $"{window.RateLimited} of {window.Total} runs ({AlertText.Percent(share)}) over the last {over} were rate-limited "
                + $"(threshold {AlertText.Percent(thresholds.RateLimitedShare, "0.###")})",
            RecommendedAction,
            new Dictionary<string, string>
            {
                ["window"] = over,
                ["runs"] = window.Total.ToString(CultureInfo.InvariantCulture),
                ["rate_limited"] = window.RateLimited.ToString(CultureInfo.InvariantCulture),
                ["share"] = AlertText.Number(share, "0.####"),
                ["threshold"] = AlertText.Number(thresholds.RateLimitedShare, "0.####"),
            });
    }
}
