using System.ComponentModel.DataAnnotations;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Alerting.Thresholds;

/// <summary>
/// The thresholds every rule reads, bound from "Alerting:Rules". A connector's own section
/// ("Alerting:Connectors:&lt;name&gt;") binds to <see cref="RuleOverrides"/>, whose unset values fall back to these
/// (<see cref="WithOverrides"/>).
/// </summary>
public sealed class RuleThresholds : IValidatableObject
{
    // The section Metrics' status board reads too (ConnectorHealthThresholds), so both judge with the same values.
    public const string SectionName = ConnectorHealthThresholds.SectionName;

    /// <summary>Failed runs in a row that raise consecutive_failures.</summary>
    [Range(1, 1000)]
    public int ConsecutiveFailures { get; set; } = ConnectorHealthRule.DefaultConsecutiveFailures;

    /// <summary>The success-rate objective the error budget is taken from.</summary>
    [Range(0.5, 0.99999)]
    public double SloTarget { get; set; } = 0.99;

    /// <summary>
    /// Runs a burn-rate alarm's long window must hold before it can fire: one failed run of a connector that has barely
    /// run is a 100 % error rate, not a budget being spent.
    /// </summary>
    [Range(1, 100_000)]
    public int SloMinRuns { get; set; } = 10;

    /// <summary>Share of rate-limited runs within <see cref="RateLimitWindow"/> above which rate_limited fires.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double RateLimitedShare { get; set; } = 0.2;

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Fewer runs than this in the window say too little to judge.</summary>
    [Range(1, 100_000)]
    public int RateLimitMinRuns { get; set; } = 5;

    /// <summary>How many of the latest runs make up the latency baseline.</summary>
    [Range(1, 10_000)]
    public int LatencyBaselineRuns { get; set; } = 50;

    /// <summary>
    /// How many of the latest successful runs in a row must each be far above the runs before them: a slowdown, not one
    /// slow run (which a connector with a long tail shows every few hours and nobody can act on).
    /// </summary>
    [Range(1, 100)]
    public int LatencySlowRuns { get; set; } = 3;

    /// <summary>A baseline with fewer runs than this is not trusted.</summary>
    [Range(1, 10_000)]
    public int LatencyMinBaseline { get; set; } = 20;

    /// <summary>How many (normal-scaled) median absolute deviations above the median a latency must be.</summary>
    [Range(1.0, 100.0)]
    public double LatencyMadFactor { get; set; } = 6;

    /// <summary>And how many times the median, so a steady connector's MAD of ~0 does not flag every wobble.</summary>
    [Range(1.0, 1000.0)]
    public double LatencyMinRatio { get; set; } = 3;

    /// <summary>And how many milliseconds above the median, for the same reason at small latencies.</summary>
    [Range(0.0, 3_600_000.0)]
    public double LatencyMinMs { get; set; } = 200;

    /// <summary>A connector is stale after this many expected intervals without a success.</summary>
    [Range(1.0, 100.0)]
    public double FreshnessFactor { get; set; } = ConnectorHealthRule.DefaultFreshnessFactor;

    /// <summary>How many of an output dataset's latest successful writes (by its job) make up its volume baseline.</summary>
    [Range(2, 1000)]
    public int VolumeBaselineRuns { get; set; } = 20;

    /// <summary>A volume baseline with fewer writes than this is not judged.</summary>
    [Range(1, 1000)]
    public int VolumeMinBaseline { get; set; } = 5;

    /// <summary>How many (normal-scaled) median absolute deviations from the baseline's median a row count must be.</summary>
    [Range(1.0, 100.0)]
    public double VolumeMadFactor { get; set; } = 5;

    /// <summary>And how far from the median, as a share of it, so a steady dataset's MAD of ~0 does not flag every wobble.</summary>
    [Range(0.0, 100.0)]
    public double VolumeMinDeviation { get; set; } = 0.5;

    /// <summary>A batch run is stuck after this many times the p95 of its job's recent successful durations…</summary>
    [Range(1.0, 100.0)]
    public double StuckRunFactor { get; set; } = 3;

    /// <summary>…and never before this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan StuckRunFloor { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The limit for a job with too little history (fewer than <see cref="StuckRunMinHistory"/> successful runs or gaps).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan StuckRunDefaultLimit { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How many of the job's latest successful runs (or a streaming run's latest gaps between events) make up its history.</summary>
    [Range(2, 1000)]
    public int StuckRunBaselineRuns { get; set; } = 50;

    /// <summary>A history with fewer durations or gaps than this is not trusted: the default limit applies.</summary>
    [Range(1, 1000)]
    public int StuckRunMinHistory { get; set; } = 5;

    /// <summary>A streaming job is silent after this many times the p95 of its recent gaps between events…</summary>
    [Range(1.0, 100.0)]
    public double StreamingSilenceFactor { get; set; } = 5;

    /// <summary>…and never before this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan StreamingSilenceFloor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The silence limit for a streaming job with too little history.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan StreamingSilenceDefaultLimit { get; set; } = TimeSpan.FromHours(1);

    /// <summary>These thresholds with a connector's own values put over them; unset ones are kept.</summary>
    public RuleThresholds WithOverrides(RuleOverrides? connectorSpecific) => connectorSpecific is not { } overrides ? this : new()
    {
        ConsecutiveFailures = overrides.ConsecutiveFailures ?? ConsecutiveFailures,
        SloTarget = overrides.SloTarget ?? SloTarget,
        SloMinRuns = overrides.SloMinRuns ?? SloMinRuns,
        RateLimitedShare = overrides.RateLimitedShare ?? RateLimitedShare,
        RateLimitWindow = overrides.RateLimitWindow ?? RateLimitWindow,
        RateLimitMinRuns = overrides.RateLimitMinRuns ?? RateLimitMinRuns,
        LatencyBaselineRuns = overrides.LatencyBaselineRuns ?? LatencyBaselineRuns,
        LatencySlowRuns = overrides.LatencySlowRuns ?? LatencySlowRuns,
        LatencyMinBaseline = overrides.LatencyMinBaseline ?? LatencyMinBaseline,
        LatencyMadFactor = overrides.LatencyMadFactor ?? LatencyMadFactor,
        LatencyMinRatio = overrides.LatencyMinRatio ?? LatencyMinRatio,
        LatencyMinMs = overrides.LatencyMinMs ?? LatencyMinMs,
        FreshnessFactor = overrides.FreshnessFactor ?? FreshnessFactor,
        VolumeBaselineRuns = overrides.VolumeBaselineRuns ?? VolumeBaselineRuns,
        VolumeMinBaseline = overrides.VolumeMinBaseline ?? VolumeMinBaseline,
        VolumeMadFactor = overrides.VolumeMadFactor ?? VolumeMadFactor,
        VolumeMinDeviation = overrides.VolumeMinDeviation ?? VolumeMinDeviation,
        StuckRunFactor = overrides.StuckRunFactor ?? StuckRunFactor,
        StuckRunFloor = overrides.StuckRunFloor ?? StuckRunFloor,
        StuckRunDefaultLimit = overrides.StuckRunDefaultLimit ?? StuckRunDefaultLimit,
        StuckRunBaselineRuns = overrides.StuckRunBaselineRuns ?? StuckRunBaselineRuns,
        StuckRunMinHistory = overrides.StuckRunMinHistory ?? StuckRunMinHistory,
        StreamingSilenceFactor = overrides.StreamingSilenceFactor ?? StreamingSilenceFactor,
        StreamingSilenceFloor = overrides.StreamingSilenceFloor ?? StreamingSilenceFloor,
        StreamingSilenceDefaultLimit = overrides.StreamingSilenceDefaultLimit ?? StreamingSilenceDefaultLimit,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LatencyMinBaseline > LatencyBaselineRuns)
        {
            // The baseline could never be trusted: latency would silently never fire.
            yield return new ValidationResult(
                $"{nameof(LatencyMinBaseline)} ({LatencyMinBaseline}) must not exceed {nameof(LatencyBaselineRuns)} ({LatencyBaselineRuns}).",
                [nameof(LatencyMinBaseline), nameof(LatencyBaselineRuns)]);
        }
        if (VolumeMinBaseline > VolumeBaselineRuns)
        {
            yield return new ValidationResult(
                $"{nameof(VolumeMinBaseline)} ({VolumeMinBaseline}) must not exceed {nameof(VolumeBaselineRuns)} ({VolumeBaselineRuns}).",
                [nameof(VolumeMinBaseline), nameof(VolumeBaselineRuns)]);
        }
        if (StuckRunMinHistory > StuckRunBaselineRuns)
        {
            yield return new ValidationResult(
                $"{nameof(StuckRunMinHistory)} ({StuckRunMinHistory}) must not exceed {nameof(StuckRunBaselineRuns)} ({StuckRunBaselineRuns}).",
                [nameof(StuckRunMinHistory), nameof(StuckRunBaselineRuns)]);
        }
    }
}
