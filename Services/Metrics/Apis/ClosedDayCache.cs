using System.Collections.Concurrent;

namespace ConnectorHealth.Metrics.Apis;

/// <summary>
/// Per-day answers for closed days, kept in memory with the day's version. Writers move a day's version whenever runs
/// are folded into it after it ended (late runs, rebuilds), so a kept day is reused only while its version stands.
/// A day is closed two days after it ended: today and yesterday are always read afresh (the margin covers clock skew
/// between replicas and transactions in flight at midnight).
/// </summary>
public sealed class ClosedDayCache<T>(KpiStore store, int keptDays) where T : class
{
    private readonly ConcurrentDictionary<DateOnly, (long Version, T Value)> _days = new();

    /// <summary>Which days of [from, to] can be reused, and which must be read (and may then be kept).</summary>
    public async Task<ClosedDays> LookupAsync(DateOnly from, DateOnly to, DateOnly today, CancellationToken cancellationToken)
    {
        foreach (var old in _days.Keys.Where(d => d < today.AddDays(-keptDays)))
        {
            _days.TryRemove(old, out _);
        }

        var keepFrom = from > today.AddDays(-keptDays) ? from : today.AddDays(-keptDays);
        var keepTo = to < today.AddDays(-2) ? to : today.AddDays(-2);
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
