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
    public const string Quality = "quality";
    public const string Volume = "volume";
    public const string StuckRun = "stuck_run";

    public static readonly IReadOnlyList<string> All =
        [SchemaDrift, ConsecutiveFailures, SloBurn, RateLimit, LatencyAnomaly, Freshness, Quality, Volume, StuckRun];

    /// <summary>
    /// The rules a later run settles: its verdict (the assertion passed, the volume is back, the run finished or spoke
    /// again) is not a measurement hovering at a threshold, so their alerts resolve at once rather than after
    /// <see cref="AlertingOptions.ResolveAfter"/>.
    /// </summary>
    public static readonly IReadOnlyList<string> SettledByALaterRun = [Quality, Volume, StuckRun];

    public static bool IsKnown(string? rule) => rule is not null && All.Contains(rule, StringComparer.Ordinal);
}
