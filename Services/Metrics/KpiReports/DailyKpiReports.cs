using ConnectorHealth.Metrics.Stores;

namespace ConnectorHealth.Metrics.KpiReports;

// Builds GET /api/kpis/daily answers. Over all connectors, closed days come from the ClosedDayCache;
// the report of a few named connectors (one, or a page of the overview's tiles) is small and always read.
public sealed class DailyKpiReports(KpiStore store, ClosedDayCache closedDays)
{
    // How many days back closed days are kept (about 250 bytes per connector per day).
    public const int KeptDays = 92;

    public async Task<DailyKpiReportJson> GetAsync(
        IReadOnlyCollection<string>? connectors, DateOnly from, DateOnly to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (connectors is not null)
        {
            var kpis = await store.DailyAsync(connectors, from, to, null, cancellationToken);
            return new DailyKpiReportJson(from, to, [DailyKpiDay.From(kpis)]);
        }
        var days = await closedDays.GetAsync("daily-kpis", from, to, KeptDays, now, ReadAsync, cancellationToken);
        return new DailyKpiReportJson(from, to, days);
    }

    private async Task<IReadOnlyDictionary<DateOnly, DailyKpiDay>> ReadAsync(DateOnly[] days, CancellationToken cancellationToken)
    {
        var kpis = await store.DailyAsync(null, days.Min(), days.Max(), days, cancellationToken);
        var read = kpis.GroupBy(k => k.Day).ToDictionary(g => g.Key, DailyKpiDay.From);
        return days.ToDictionary(day => day, day => read.GetValueOrDefault(day) ?? DailyKpiDay.Empty);
    }
}
