using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Stores;

namespace ConnectorHealth.Metrics.KpiReports;

// Builds GET /api/kpis/daily/totals answers. A closed day's totals (a few dozen bytes) come from the ClosedDayCache,
// so a year of every connector costs the days that can still change, not a scan of a year of rollups.
public sealed class DailyKpiTotalReports(KpiStore store, ClosedDayCache closedDays)
{
    // How many days back closed days are kept: the longest range the API answers.
    public const int KeptDays = 366;

    public async Task<DailyKpiTotalsReport> GetAsync(DateOnly from, DateOnly to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var days = await closedDays.GetAsync("daily-kpi-totals", from, to, KeptDays, now, ReadAsync, cancellationToken);
        return new DailyKpiTotalsReport(from, to, [.. days.Where(d => d.Runs > 0)]);
    }

    private async Task<IReadOnlyDictionary<DateOnly, DailyKpiTotal>> ReadAsync(DateOnly[] days, CancellationToken cancellationToken)
    {
        var totals = (await store.DailyTotalsAsync(days.Min(), days.Max(), days, cancellationToken)).ToDictionary(t => t.Day);
        return days.ToDictionary(day => day, day => totals.GetValueOrDefault(day) ?? DailyKpiTotal.None(day));
    }
}
