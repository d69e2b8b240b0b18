using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Metrics;

/// <summary>Settings of the Metrics service (configuration section <c>Metrics</c>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>
    /// How long raw runs and attempts are kept. Whole UTC months are dropped once every run in them is older than
    /// this; rollups are kept. A run that arrives older than the oldest kept month is rejected (its month is gone, and
    /// counting it would double-count a redelivery whose ledger entry went with the month).
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan RawRunRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often partitions are created ahead and expired months dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Runs that claim to start further in the future than this are rejected: a broken clock would otherwise pin a
    /// connector's "last run" in the future and create partitions for years that never come.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan FutureTolerance { get; set; } = TimeSpan.FromHours(1);

    [Required]
    [ValidateObjectMembers]
    public StatusBoardOptions StatusBoard { get; set; } = new();
}

/// <summary>Checks <see cref="MetricsOptions"/> (and its nested sections) at start-up; generated at compile time.</summary>
[OptionsValidator]
public sealed partial class MetricsOptionsValidator : IValidateOptions<MetricsOptions>;

/// <summary>How <c>GET /api/kpis/connectors</c> judges a connector's state.</summary>
public sealed class StatusBoardOptions
{
    /// <summary>Stale: no successful run within this many expected intervals (the connector's schedule).</summary>
    [Range(1, 1000)]
    public double StaleAfterIntervals { get; set; } = 3;

    /// <summary>Failing: at least this many consecutive failed runs up to the latest run.</summary>
    [Range(1, 1000)]
    public int FailingAfterConsecutiveFailures { get; set; } = 3;

    /// <summary>Degraded: the success rate over the last 24 h is below this.</summary>
    [Range(0.0, 1.0)]
    public double DegradedBelowSuccessRate { get; set; } = 0.95;

    /// <summary>Degraded: the share of rate-limited runs over the last 24 h is above this.</summary>
    [Range(0.0, 1.0)]
    public double DegradedAboveRateLimitedRate { get; set; } = 0.2;
}
