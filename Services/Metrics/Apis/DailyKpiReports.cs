using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace ConnectorHealth.Metrics.Apis;

/// <summary>
/// Builds <c>GET /api/kpis/daily</c> answers. The all-connector report of a month is ~15,000 items, so the JSON of each
/// closed day is kept in memory with the day's version: writers move a day's version whenever runs are folded into it
/// after it ended (late runs, rebuilds), and a kept day is reused only while its version stands. Today and yesterday
/// are always read afresh (the margin covers clock skew between replicas and transactions in flight at midnight).
/// </summary>
public sealed class DailyKpiReports(KpiStore store)
{
    /// <summary>How many closed days are kept (about 250 bytes per connector per day).</summary>
    public const int CachedDays = 92;

    private static readonly byte[] Comma = ","u8.ToArray();
    private static readonly byte[] Footer = "]}"u8.ToArray();

    private readonly ConcurrentDictionary<DateOnly, CachedDay> _days = new();

    private sealed record CachedDay(long Version, byte[] Json);

    public async Task<JsonParts<DailyKpiReport>> GetAsync(
        string? connector, DateOnly from, DateOnly to, DateOnly today, CancellationToken cancellationToken)
    {
        var cacheFrom = connector is null ? Later(from, today.AddDays(-CachedDays)) : DateOnly.MaxValue;
        var cacheTo = connector is null ? Earlier(to, today.AddDays(-2)) : DateOnly.MinValue;

        // Versions first, rows after: rows are then never older than the version they are kept under.
        var versions = cacheFrom <= cacheTo ? await store.DayVersionsAsync(cacheFrom, cacheTo, cancellationToken) : [];
        var reused = new Dictionary<DateOnly, byte[]>();
        for (var day = cacheFrom; day <= cacheTo; day = day.AddDays(1))
        {
            if (_days.TryGetValue(day, out var kept) && kept.Version == versions.GetValueOrDefault(day))
            {
                reused[day] = kept.Json;
            }
        }
        var rows = await store.DailyAsync(connector, from, to, [.. reused.Keys], cancellationToken);

        var parts = new List<byte[]> { Encoding.UTF8.GetBytes($$"""{"from":"{{from:yyyy-MM-dd}}","to":"{{to:yyyy-MM-dd}}","items":[""") };
        var next = 0;
        for (var day = to; day >= from; day = day.AddDays(-1))
        {
            if (!reused.TryGetValue(day, out var json))
            {
                var first = next;
                while (next < rows.Count && rows[next].Day == day)
                {
                    next++;
                }
                json = Items(rows, first, next);
                if (day >= cacheFrom && day <= cacheTo)
                {
                    _days[day] = new CachedDay(versions.GetValueOrDefault(day), json);
                }
            }
            if (json.Length > 0)
            {
                if (parts.Count > 1)
                {
                    parts.Add(Comma);
                }
                parts.Add(json);
            }
            if (day == DateOnly.MinValue)
            {
                break;
            }
        }
        parts.Add(Footer);

        foreach (var old in _days.Keys.Where(d => d < today.AddDays(-CachedDays)))
        {
            _days.TryRemove(old, out _);
        }
        return new JsonParts<DailyKpiReport>(parts);
    }

    // The day's items as JSON array elements, without the brackets, so days can be joined into one array.
    private static byte[] Items(List<DailyKpi> rows, int first, int end)
    {
        if (first == end)
        {
            return [];
        }
        var array = JsonSerializer.SerializeToUtf8Bytes(rows.GetRange(first, end - first), MetricsJsonContext.Default.ListDailyKpi);
        return array[1..^1];
    }

    private static DateOnly Later(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Earlier(DateOnly a, DateOnly b) => a < b ? a : b;
}
