using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// The one definition of "failing" and "stale", shared by Alerting's rules (consecutive_failures, freshness) and
/// Metrics' status board, so a tile never contradicts its connector's alert. Pure: the caller brings the facts, all on
/// one clock, the time runs FINISHED: <c>lastSuccessAt</c> is the finish of the latest successful run,
/// <c>firstSeenAt</c> the finish of the first run, and the failure streak counts failed runs that finished after the
/// latest success.
/// </summary>
public static class ConnectorHealthRule
{
    /// <summary>Failed runs in a row that make a connector failing.</summary>
    public const int DefaultConsecutiveFailures = 3;

    /// <summary>Expected intervals without a success after which a scheduled connector is stale.</summary>
    public const double DefaultFreshnessFactor = 3;

    /// <summary>Failing: at least <paramref name="consecutiveFailures"/> failed runs in a row up to the latest run.</summary>
    public static bool IsFailing(int failureStreak, int consecutiveFailures) => failureStreak >= consecutiveFailures;

    /// <summary>
    /// Stale: a connector with a schedule that has not succeeded for more than <paramref name="freshnessFactor"/> expected
    /// intervals (counted from its first run when it never succeeded); null when it is not stale. A connector without
    /// a schedule (one that only reports now and then) is never stale.
    /// </summary>
    public static Staleness? Stale(
        DateTimeOffset? lastSuccessAt, DateTimeOffset? firstSeenAt, TimeSpan? expectedInterval, DateTimeOffset now, double freshnessFactor)
    {
        if (expectedInterval is not { } interval || interval <= TimeSpan.Zero || (lastSuccessAt ?? firstSeenAt) is not { } since)
        {
            return null;
        }
        var staleAfter = interval * freshnessFactor;
        var age = now - since;
        return age > staleAfter ? new Staleness(interval, staleAfter, age, lastSuccessAt is null) : null;
    }
}

/// <summary>Why a connector is stale: its schedule, the allowance, how long since its last success (or first run).</summary>
public sealed record Staleness(TimeSpan ExpectedInterval, TimeSpan StaleAfter, TimeSpan Age, bool NeverSucceeded);

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
