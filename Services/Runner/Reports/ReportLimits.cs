using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Reports;

/// <summary>
/// How far from now <c>POST /api/runs</c> accepts a run's times (configuration section <c>Runner:Reports</c>). What a run
/// is (names, text limits, enums, precision) is <c>RunDefinition</c>'s and not configurable: every store shares it. The
/// payload's own limits are <c>Runner:Payload</c>.
/// </summary>
public sealed class ReportLimits
{
    /// <summary>
    /// How old a reported run may be. Keep it below the Metrics service's <c>RawRunRetention</c> (90 days): an older run
    /// would be dropped there, so it is refused here.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan MaxRunAge { get; set; } = TimeSpan.FromDays(89);

    /// <summary>How far in the future a reporter's clock may put a run's start or finish.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How much a reported latency, or an attempt's duration, may exceed the time between the run's start and finish
    /// (clocks and rounding differ between the reporter's timer and its timestamps).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DurationTolerance { get; set; } = TimeSpan.FromSeconds(1);
}
