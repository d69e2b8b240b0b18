using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Alerting.Thresholds;

/// <summary>
/// A connector's own thresholds ("Alerting:Connectors:&lt;name&gt;"): only what is set there differs from
/// <see cref="RuleThresholds"/>, which is why every value is nullable. Ranges as in <see cref="RuleThresholds"/>.
/// </summary>
public sealed class RuleOverrides
{
    public const string SectionName = "Alerting:Connectors";

    [Range(1, 1000)]
    public int? ConsecutiveFailures { get; set; }

    [Range(0.5, 0.99999)]
    public double? SloTarget { get; set; }

    [Range(1, 100_000)]
    public int? SloMinRuns { get; set; }

    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double? RateLimitedShare { get; set; }

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan? RateLimitWindow { get; set; }

    [Range(1, 100_000)]
    public int? RateLimitMinRuns { get; set; }

    [Range(1, 10_000)]
    public int? LatencyBaselineRuns { get; set; }

    [Range(1, 100)]
    public int? LatencySlowRuns { get; set; }

    [Range(1, 10_000)]
    public int? LatencyMinBaseline { get; set; }

    [Range(1.0, 100.0)]
    public double? LatencyMadFactor { get; set; }

    [Range(1.0, 1000.0)]
    public double? LatencyMinRatio { get; set; }

    [Range(0.0, 3_600_000.0)]
    public double? LatencyMinMs { get; set; }

    [Range(1.0, 100.0)]
    public double? FreshnessFactor { get; set; }

    [Range(2, 1000)]
    public int? VolumeBaselineRuns { get; set; }

    [Range(1, 1000)]
    public int? VolumeMinBaseline { get; set; }

    [Range(1.0, 100.0)]
    public double? VolumeMadFactor { get; set; }

    [Range(0.0, 100.0)]
    public double? VolumeMinDeviation { get; set; }

    [Range(1.0, 100.0)]
    public double? StuckRunFactor { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan? StuckRunFloor { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan? StuckRunDefaultLimit { get; set; }

    [Range(2, 1000)]
    public int? StuckRunBaselineRuns { get; set; }

    [Range(1, 1000)]
    public int? StuckRunMinHistory { get; set; }

    [Range(1.0, 100.0)]
    public double? StreamingSilenceFactor { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan? StreamingSilenceFloor { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan? StreamingSilenceDefaultLimit { get; set; }
}
