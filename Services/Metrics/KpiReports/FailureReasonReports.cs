using System.Runtime.InteropServices;
using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Stores;

namespace ConnectorHealth.Metrics.KpiReports;

// Builds GET /api/kpis/failure-reasons answers. Over all connectors a year holds ~500,000 per-day counts, so
// closed days come from the ClosedDayCache and a range is summed in memory; one connector's report is
// summed by PostgreSQL.
public sealed class FailureReasonReports(KpiStore store, ClosedDayCache closedDays)
{
    // How many days back closed days are kept (about 16 bytes per connector and error type seen that day).
    public const int KeptDays = 400;

    public async Task<FailureReasonReport> GetAsync(
        string? connector, DateOnly from, DateOnly to, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        if (connector is not null)
        {
            var (total, reasons) = await store.FailureReasonsAsync(connector, from, to, limit, cancellationToken);
            return new FailureReasonReport(from, to, total, reasons);
        }

        var days = await closedDays.GetAsync("failure-reasons", from, to, KeptDays, now, ReadAsync, cancellationToken);
        var sums = new Dictionary<FailureKey, (long Failures, DateOnly LastDay)>();
        foreach (var day in days)
        {
            foreach (var (key, failures) in day.Counts)
            {
                ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(sums, key, out _);
                sum.Failures += failures;
                if (day.Day > sum.LastDay)
                {
                    sum.LastDay = day.Day;
                }
            }
        }

        var top = sums
            .OrderByDescending(s => s.Value.Failures)
            .ThenBy(s => s.Key.Connector, StringComparer.Ordinal)
            .ThenBy(s => s.Key.ErrorType, StringComparer.Ordinal)
            .Take(limit)
            .Select(s => new FailureReason(s.Key.Connector, s.Key.ErrorType, s.Value.Failures, s.Value.LastDay))
            .ToList();
        return new FailureReasonReport(from, to, sums.Values.Sum(s => s.Failures), top);
    }

    private async Task<IReadOnlyDictionary<DateOnly, FailureReasonDay>> ReadAsync(DateOnly[] days, CancellationToken cancellationToken)
    {
        var rows = await store.FailureDaysAsync(days.Min(), days.Max(), days, cancellationToken);
        // One key object per connector and error type across the days read together.
        var keys = new Dictionary<(string, string), FailureKey>();
        var read = rows.GroupBy(r => r.Day).ToDictionary(g => g.Key, g => new FailureReasonDay(g.Key,
        [
            .. g.Select(r => new FailureCount(
                keys.TryGetValue((r.Connector, r.ErrorType), out var key) ? key : keys[(r.Connector, r.ErrorType)] = new FailureKey(r.Connector, r.ErrorType),
                r.Failures)),
        ]));
        return days.ToDictionary(day => day, day => read.GetValueOrDefault(day) ?? new FailureReasonDay(day, []));
    }
}
