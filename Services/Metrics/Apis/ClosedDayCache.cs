using System.Collections.Concurrent;

namespace ConnectorHealth.Metrics.Apis;

/// <summary>
/// Per-day answers for closed days, kept in memory with the day's version. Writers move a day's version whenever they
/// fold runs into a day that has ended by their clock (late runs, rebuilds), so a kept day is reused only while its
/// version stands. A day counts as closed <see cref="ClosedAfter"/> after it ended: that margin covers a batch still
/// being written at midnight and clock skew between replicas (assumed well under it). Today is always read afresh.
/// </summary>
public sealed class ClosedDayCache<T>(KpiStore store, int keptDays) where T : class
{
    public static readonly TimeSpan ClosedAfter = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<DateOnly, (long Version, T Value)> _days = new();

    /// <summary>Which days of [from, to] can be reused, and which must be read (and may then be kept).</summary>
    public async Task<ClosedDays> LookupAsync(DateOnly from, DateOnly to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var lastClosed = DateOnly.FromDateTime((now - ClosedAfter).UtcDateTime).AddDays(-1);
        foreach (var old in _days.Keys.Where(d => d < today.AddDays(-keptDays)))
        {
            _days.TryRemove(old, out _);
        }

        var keepFrom = from > today.AddDays(-keptDays) ? from : today.AddDays(-keptDays);
        var keepTo = to < lastClosed ? to : lastClosed;
        // Versions first, rows after: rows are then never older than the version they are kept under.
        var versions = keepFrom <= keepTo ? await store.DayVersionsAsync(keepFrom, keepTo, cancellationToken) : [];
        var reused = new Dictionary<DateOnly, T>();
        var missing = new List<DateOnly>();
        for (var day = to; day >= from; day = day.AddDays(-1))
        {
            if (day >= keepFrom && day <= keepTo && _days.TryGetValue(day, out var kept) && kept.Version == versions.GetValueOrDefault(day))
            {
                reused[day] = kept.Value;
            }
            else
            {
                missing.Add(day);
            }
            if (day == DateOnly.MinValue)
            {
                break;
            }
        }
        return new ClosedDays(this, keepFrom, keepTo, versions, reused, missing);
    }

    public sealed class ClosedDays(
        ClosedDayCache<T> cache, DateOnly keepFrom, DateOnly keepTo, Dictionary<DateOnly, long> versions,
        Dictionary<DateOnly, T> reused, List<DateOnly> missing)
    {
        public IReadOnlyDictionary<DateOnly, T> Reused => reused;

        /// <summary>The days to read, newest first.</summary>
        public DateOnly[] Missing { get; } = [.. missing];

        /// <summary>Keeps a day that was read, if it is closed.</summary>
        public void Keep(DateOnly day, T value)
        {
            if (day >= keepFrom && day <= keepTo)
            {
                cache._days[day] = (versions.GetValueOrDefault(day), value);
            }
        }
    }
}
