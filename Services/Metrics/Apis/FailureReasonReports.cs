namespace ConnectorHealth.Metrics.Apis;

/// <summary>
/// Builds <c>GET /api/kpis/failure-reasons</c> answers. Over all connectors a year holds ~500,000 per-day rows, so each
/// closed day's counts are kept (see <see cref="ClosedDayCache{T}"/>) as arrays indexed by a (connector, error type)
/// number, and a range is summed in memory; only today and changed days are read.
/// </summary>
public sealed class FailureReasonReports(KpiStore store)
{
    /// <summary>How many days back closed days are kept (12 bytes per connector and error type seen that day).</summary>
    public const int KeptDays = 400;

    private readonly ClosedDayCache<DayCounts> _days = new(store, KeptDays);
    private readonly Dictionary<(string Connector, string ErrorType), int> _keys = [];
    private readonly List<(string Connector, string ErrorType)> _names = [];
    private readonly Lock _keysLock = new();

    public sealed record DayCounts(int[] Keys, int[] Failures);

    public async Task<FailureReasonReport> GetAsync(
        string? connector, DateOnly from, DateOnly to, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        if (connector is not null)
        {
            var (total, reasons) = await store.FailureReasonsAsync(connector, from, to, limit, cancellationToken);
            return new FailureReasonReport(from, to, total, reasons);
        }

        var days = await _days.LookupAsync(from, to, now, cancellationToken);
        var read = days.Missing.Length == 0 ? [] : await store.FailureDaysAsync(from, to, days.Missing, cancellationToken);
        var counts = new Dictionary<DateOnly, DayCounts>(days.Reused);
        foreach (var group in read.GroupBy(r => r.Day))
        {
            var keys = group.Select(r => Key(r.Connector, r.ErrorType)).ToArray();
            var day = new DayCounts(keys, [.. group.Select(r => r.Failures)]);
            counts[group.Key] = day;
            days.Keep(group.Key, day);
        }
        foreach (var empty in days.Missing.Where(d => !counts.ContainsKey(d)))
        {
            days.Keep(empty, new DayCounts([], []));
        }

        int keyCount;
        lock (_keysLock)
        {
            keyCount = _names.Count;
        }
        var failures = new long[keyCount];
        var lastDay = new DateOnly[keyCount];
        foreach (var (day, dayCounts) in counts)
        {
            for (var i = 0; i < dayCounts.Keys.Length; i++)
            {
                var key = dayCounts.Keys[i];
                failures[key] += dayCounts.Failures[i];
                if (day > lastDay[key])
                {
                    lastDay[key] = day;
                }
            }
        }

        (string Connector, string ErrorType) Name(int key)
        {
            lock (_keysLock)
            {
                return _names[key];
            }
        }
        var top = Enumerable.Range(0, keyCount)
            .Where(key => failures[key] > 0)
            .Select(key => (Key: key, Name: Name(key)))
            .OrderByDescending(x => failures[x.Key])
            .ThenBy(x => x.Name.Connector, StringComparer.Ordinal)
            .ThenBy(x => x.Name.ErrorType, StringComparer.Ordinal)
            .Take(limit)
            .Select(x => new FailureReason(x.Name.Connector, x.Name.ErrorType, failures[x.Key], lastDay[x.Key]))
            .ToList();
        return new FailureReasonReport(from, to, failures.Sum(), top);
    }

    private int Key(string connector, string errorType)
    {
        lock (_keysLock)
        {
            if (!_keys.TryGetValue((connector, errorType), out var key))
            {
                key = _names.Count;
                _keys[(connector, errorType)] = key;
                _names.Add((connector, errorType));
            }
            return key;
        }
    }
}
