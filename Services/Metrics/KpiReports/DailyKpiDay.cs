using System.ComponentModel;
using System.Text.Json;
using ConnectorHealth.Metrics.Responses;

namespace ConnectorHealth.Metrics.KpiReports;

// One UTC day of GET /api/kpis/daily over all connectors, each item already serialised: a month's report holds
// ~15,000 items, and serialising them afresh for every request would cost more than the rest of the request.
// Immutable, so the cache hands out this instance instead of a copy.
[ImmutableObject(true)]
public sealed record DailyKpiDay(byte[][] Items)
{
    public static readonly DailyKpiDay Empty = new([]);

    public static DailyKpiDay From(IEnumerable<DailyKpi> kpis) =>
        new([.. kpis.Select(kpi => JsonSerializer.SerializeToUtf8Bytes(kpi, MetricsJsonContext.Default.DailyKpi))]);
}
