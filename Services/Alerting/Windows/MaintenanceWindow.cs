namespace ConnectorHealth.Alerting.Windows;

/// <summary>
/// A named maintenance window: active whenever any of its time intervals contains the instant (none: never active).
/// Every edge of an interval is a whole minute of the wall clock, so activity changes only at whole UTC minutes (in
/// every zone whose offset is a whole number of minutes, as all are today).
/// </summary>
public sealed class MaintenanceWindow(IEnumerable<TimeInterval> intervals)
{
    // NextChange looks no further, so the calendar arithmetic stays inside DateTime's range.
    private static readonly DateTimeOffset LastLimit = new(9998, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TimeInterval[] intervals = [.. intervals];

    /// <summary>The window's intervals, parsed.</summary>
    public IReadOnlyList<TimeInterval> Intervals => intervals;

    /// <summary>Parses every interval; throws <see cref="ArgumentException"/> naming the bad values of the first invalid one.</summary>
    public static MaintenanceWindow Parse(IEnumerable<TimeIntervalOptions> window) =>
        new(window.Select(TimeInterval.Parse));

    /// <summary>Whether any interval contains the instant.</summary>
    public bool IsActive(DateTimeOffset instant)
    {
        foreach (var interval in intervals)
        {
            if (interval.Contains(instant))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The first instant after <paramref name="from"/>, no later than <paramref name="from"/> + <paramref name="horizon"/>,
    /// at which <see cref="IsActive"/> changes; null if it does not change within the horizon. The answer is a whole
    /// minute, in UTC. It jumps from one possible edge to the next (a stretch's start or end, the first day that matches
    /// or does not, an offset change of a zone), so its cost grows with the edges in the horizon, not with its length.
    /// </summary>
    public DateTimeOffset? NextChange(DateTimeOffset from, TimeSpan horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, TimeSpan.Zero);
        if (intervals.Length == 0 || from >= LastLimit)
        {
            return null;
        }
        var limit = horizon < LastLimit - from ? from + horizon : LastLimit;
        var active = IsActive(from);
        var edges = intervals.Select(i => i.NextPossibleChange(from, limit)).ToArray();
        while (true)
        {
            var next = edges.Min();
            if (next > limit)
            {
                return null;
            }
            if (IsActive(next) != active)
            {
                return next.ToUniversalTime();
            }
            // Each interval holds its value until its own next edge, so only those that reached theirs look further.
            for (var i = 0; i < edges.Length; i++)
            {
                if (edges[i] <= next)
                {
                    edges[i] = intervals[i].NextPossibleChange(next, limit);
                }
            }
        }
    }
}
