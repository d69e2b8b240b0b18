using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// The thresholds of <see cref="ConnectorHealthRule"/>, bound by every service that judges connectors from the one
/// section Alerting's rules read ("Alerting:Rules"), so the status board and the alerts use the same values.
/// </summary>
public sealed class ConnectorHealthThresholds
{
    public const string SectionName = "Alerting:Rules";

    /// <summary>Failed runs in a row that make a connector failing (and raise consecutive_failures).</summary>
    [Range(1, 1000)]
    public int ConsecutiveFailures { get; set; } = ConnectorHealthRule.DefaultConsecutiveFailures;

    /// <summary>A connector is stale after this many expected intervals without a success (and raises freshness).</summary>
    [Range(1.0, 100.0)]
    public double FreshnessFactor { get; set; } = ConnectorHealthRule.DefaultFreshnessFactor;
}
