using System.Globalization;

namespace ConnectorHealth.Dashboard;

// KPIs over a range of UTC days (the Metrics service).
public sealed partial class GatewayClient
{
    public Task<Answer<DailyKpiReport>> GetDailyKpisAsync(string? connector, DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        GetAsync<DailyKpiReport>(Query("/api/kpis/daily", ("connector", connector), ("from", Day(from)), ("to", Day(to))), cancellationToken);

    /// <summary>Per day over all connectors: a year is 366 items however many connectors there are.</summary>
    public Task<Answer<DailyKpiTotalsReport>> GetDailyKpiTotalsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken) =>
        GetAsync<DailyKpiTotalsReport>(Query("/api/kpis/daily/totals", ("from", Day(from)), ("to", Day(to))), cancellationToken);

    public Task<Answer<FailureReasonReport>> GetFailureReasonsAsync(
        string? connector, DateOnly from, DateOnly to, int limit, CancellationToken cancellationToken) =>
        GetAsync<FailureReasonReport>(Query("/api/kpis/failure-reasons",
            ("connector", connector), ("from", Day(from)), ("to", Day(to)), ("limit", limit.ToString(CultureInfo.InvariantCulture))), cancellationToken);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
