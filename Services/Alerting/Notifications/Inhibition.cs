using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// A connector that is down or stale also looks drifted, slow, throttled or over its error budget; those alerts would
/// only repeat the one that matters, so they are not notified while it is open.
/// </summary>
public static class Inhibition
{
    private static readonly string[] Inhibitors = [RuleNames.ConsecutiveFailures, RuleNames.Freshness];
    private static readonly string[] Inhibited = [RuleNames.SchemaDrift, RuleNames.LatencyAnomaly, RuleNames.RateLimit, RuleNames.SloBurn];

    /// <param name="openRulesOfConnector">The rules of the connector's open (firing or acknowledged) alerts.</param>
    public static bool IsInhibited(string rule, IReadOnlyCollection<string> openRulesOfConnector) =>
        Inhibited.Contains(rule, StringComparer.Ordinal)
        && openRulesOfConnector.Any(open => Inhibitors.Contains(open, StringComparer.Ordinal));
}
