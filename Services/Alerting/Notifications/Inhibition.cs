using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// A connector that is down or stale also looks drifted, slow, throttled or over its error budget; one whose runs all
/// fail is stale as well; and one that is throttled fails its runs: those alerts would only repeat the one that says
/// what is wrong, so they are not notified while it is open.
/// </summary>
public static class Inhibition
{
    private static readonly string[] DownOrStale = [RuleNames.ConsecutiveFailures, RuleNames.Freshness];

    private static readonly Dictionary<string, string[]> InhibitedBy = new(StringComparer.Ordinal)
    {
        [RuleNames.SchemaDrift] = DownOrStale,
        [RuleNames.LatencyAnomaly] = DownOrStale,
        [RuleNames.RateLimit] = DownOrStale,
        [RuleNames.SloBurn] = [.. DownOrStale, RuleNames.RateLimit],
        // A connector whose runs all fail is stale too: the failure streak says why.
        [RuleNames.Freshness] = [RuleNames.ConsecutiveFailures],
    };

    /// <param name="openRulesOfConnector">The rules of the connector's open (firing or acknowledged) alerts.</param>
    /// <returns>The open rule that inhibits <paramref name="rule"/>, or null.</returns>
    public static string? InhibitedBecause(string rule, IReadOnlyCollection<string> openRulesOfConnector) =>
        InhibitedBy.TryGetValue(rule, out var inhibitors) ? openRulesOfConnector.FirstOrDefault(open => inhibitors.Contains(open, StringComparer.Ordinal)) : null;

    public static bool IsInhibited(string rule, IReadOnlyCollection<string> openRulesOfConnector) =>
        InhibitedBecause(rule, openRulesOfConnector) is not null;
}
