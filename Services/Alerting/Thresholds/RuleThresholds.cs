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
    }
}
