using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Metrics.Status;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Metrics;

// Settings of the Metrics service (configuration section Metrics).
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    // How long raw runs and attempts are kept. Whole UTC months are dropped once every run in them is older than
    // this; rollups are kept. A run that arrives older than the oldest kept month is rejected (its month is gone, and
    // counting it would double-count a redelivery whose ledger entry went with the month).
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan RawRunRetention { get; set; } = TimeSpan.FromDays(90);

    // How often partitions are created ahead and expired months dropped.
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromHours(1);

    // Runs that claim to start further in the future than this are rejected: a broken clock would otherwise pin a
    // connector's "last run" in the future and create partitions for years that never come.
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan FutureTolerance { get; set; } = TimeSpan.FromHours(1);

    [Required]
    [ValidateObjectMembers]
    public StatusBoardOptions StatusBoard { get; set; } = new();
}
