using ConnectorHealth.Metrics.Stores;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;

namespace ConnectorHealth.Metrics.KpiReports;

// Keeps per-day answers of days that are over, so a report over many days reads only the days that can still change.
// The rules every user of this cache relies on, written once:
// - A UTC day is closed ClosedAfter after it ended. The margin covers a batch still being written at midnight and
//   clock skew between replicas (assumed well under it). A day that is not closed is always read afresh.
// - Writers move a day's version (metrics.rollup_day_versions) whenever they fold runs into a day that has ended by
//   their clock: late runs and rebuilds.
// - A closed day's answer is kept under its kind, day and version, and the versions are read before the rows: a kept
//   answer is never older than the version it is kept under, and a day whose version moved simply misses.
// - Memory is bounded: only the last keptDays days are kept, and every answer is dropped KeptFor after it was stored
//   (an answer under an old version sits unused until then).
public sealed class ClosedDayCache(HybridCache cache, KpiStore store)
{
    private static readonly TimeSpan ClosedAfter = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan KeptFor = TimeSpan.FromHours(6);

    private static readonly HybridCacheEntryOptions Keep = new()
    {
        Expiration = KeptFor,
        LocalCacheExpiration = KeptFor,
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    private static readonly HybridCacheEntryOptions LookUp = new()
    {
        Flags = HybridCacheEntryFlags.DisableUnderlyingData | HybridCacheEntryFlags.DisableDistributedCache | HybridCacheEntryFlags.DisableLocalCacheWrite,
    };

    // The answer of every day of [from, to], newest first: closed days of the last
    // keptDays days from the cache, all other days with one call of read, which
    // must answer every day it is asked for (an empty answer for a day without data).
    public async Task<List<T>> GetAsync<T>(
        string kind,
        DateOnly from,
        DateOnly to,
        int keptDays,
        DateTimeOffset now,
        Func<DateOnly[], CancellationToken, Task<IReadOnlyDictionary<DateOnly, T>>> read,
        CancellationToken cancellationToken) where T : class
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var lastClosed = DateOnly.FromDateTime((now - ClosedAfter).UtcDateTime).AddDays(-1);
        var keepFrom = Later(from, today.AddDays(-keptDays));
        var keepTo = Earlier(to, lastClosed);
        var versions = keepFrom <= keepTo ? await store.DayVersionsAsync(keepFrom, keepTo, cancellationToken) : [];
        string Key(DateOnly day) => $"metrics:{kind}:{day:yyyy-MM-dd}:{versions.GetValueOrDefault(day)}";
        bool Keeps(DateOnly day) => day >= keepFrom && day <= keepTo;

        var days = new List<(DateOnly Day, T? Answer)>(to.DayNumber - from.DayNumber + 1);
        for (var day = to; day >= from; day = day.AddDays(-1))
        {
            var kept = Keeps(day)
                ? await cache.GetOrCreateAsync<T?>(Key(day), _ => ValueTask.FromResult<T?>(null), LookUp, cancellationToken: cancellationToken)
                : null;
            days.Add((day, kept));
            if (day == DateOnly.MinValue)
            {
                break;
            }
        }

        var missing = days.Where(d => d.Answer is null).Select(d => d.Day).ToArray();
        var fresh = missing.Length == 0 ? null : await read(missing, cancellationToken);
        var answers = new List<T>(days.Count);
        foreach (var (day, kept) in days)
        {
            if (kept is not null)
            {
                answers.Add(kept);
                continue;
            }
            var answer = fresh![day];
            if (Keeps(day))
            {
                await cache.SetAsync(Key(day), answer, Keep, cancellationToken: cancellationToken);
            }
            answers.Add(answer);
        }
        return answers;
    }

    private static DateOnly Later(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Earlier(DateOnly a, DateOnly b) => a < b ? a : b;
}

/// <summary>
/// How many answers the closed-day cache keeps: the entries of the memory cache under it (the service's only one),
/// counted by its statistics. Bounded by the days it keeps and the time each answer is kept, not by a count.
/// </summary>
public sealed class ClosedDayCacheSize(IMemoryCache memory) : IMeasuredCache
{
    public string CacheName => "metrics.closed-day-answers";

    public long Entries => memory.GetCurrentStatistics()?.CurrentEntryCount ?? 0;

    public long? Capacity => null;
}
