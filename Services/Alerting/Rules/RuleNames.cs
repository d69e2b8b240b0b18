namespace ConnectorHealth.Alerting.Rules;

/// <summary>The alert_type of each rule: stored with every alert and used in configuration, so never renamed.</summary>
public static class RuleNames
{
    public const string SchemaDrift = "schema_drift";
    public const string ConsecutiveFailures = "consecutive_failures";
    public const string SloBurn = "success_rate";
    public const string RateLimit = "rate_limited";
    public const string LatencyAnomaly = "latency";
    public const string Freshness = "freshness";

    public static readonly IReadOnlyList<string> All =
        [SchemaDrift, ConsecutiveFailures, SloBurn, RateLimit, LatencyAnomaly, Freshness];

    public static bool IsKnown(string? rule) => rule is not null && All.Contains(rule, StringComparer.Ordinal);
}
