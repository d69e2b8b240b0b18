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
