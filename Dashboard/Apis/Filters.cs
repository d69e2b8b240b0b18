using System.Text.Json;

namespace ConnectorHealth.Dashboard.Apis;

/// <summary>What <c>GET /api/runs</c> filters by; null for any.</summary>
public sealed record RunFilter(string? Connector = null, string? Status = null, string? Source = null, DateTimeOffset? From = null,
    DateTimeOffset? To = null, string? Owner = null, string? Tag = null, Guid? Parent = null, string? Origin = null);

/// <summary>What <c>GET /api/alerts</c> filters by; null for any.</summary>
public sealed record AlertFilter(
    string? State = null, string? Connector = null, string? Rule = null, string? Severity = null, string? Owner = null, string? Tag = null,
    string? Feedback = null)
{
    /// <summary>How someone judged an alert.</summary>
    public static readonly IReadOnlyList<string> Verdicts = WireNames.All<Alerting.Feedback>();

    public static readonly IReadOnlyList<string> States = WireNames.All<Alerting.State>();

    public static readonly IReadOnlyList<string> Severities = ["critical", "warning", "info"];

    /// <summary>The Alerting service's rule names (its <c>RuleNames.All</c>), which it refuses anything else for.</summary>
    public static readonly IReadOnlyList<string> Rules = ["schema_drift", "consecutive_failures", "success_rate", "rate_limited", "latency", "freshness", "quality", "volume", "stuck_run"];
}

/// <summary>What <c>GET /api/connectors</c> filters by; null for any.</summary>
public sealed record ConnectorFilter(string? Search = null, string? Owner = null, string? Tag = null, string? State = null)
{
    /// <summary>The Runner service's connector states (its <c>ConnectorStates.All</c>), which it refuses anything else for.</summary>
    public static readonly IReadOnlyList<string> States = ["enabled", "paused", "running", "failed", "unschedulable"];

    /// <summary>The Runner service's connector kinds (its <c>ConnectorKinds.All</c>): what a new connector may be.</summary>
    public static readonly IReadOnlyList<string> Kinds =
        ["good_api", "rate_limited_api", "schema_changer", "flaky_api", "slow_api", "auth_failing_api", "nested_types_api", "nulling_field_api", "http"];

    /// <summary>The Runner service's HTTP methods for an <c>http</c> connector (its <c>ConnectorRules.Methods</c>).</summary>
    public static readonly IReadOnlyList<string> Methods = ["GET", "POST", "PUT", "HEAD"];
}

/// <summary>What <c>GET /api/kpis/connectors</c> (the status board) filters by; null for any.</summary>
public sealed record BoardFilter(string? Search = null, string? Owner = null, string? Tag = null, string? State = null, string? Connector = null)
{
    /// <summary>The Metrics service's status board states, worst first (its <c>StatusLevels.Names</c>), which it refuses anything else for.</summary>
    public static readonly IReadOnlyList<string> States = ["failing", "stale", "degraded", "healthy"];

    /// <summary>The largest page of the status board the Metrics service gives (its <c>KpisApi.MaxBoardLimit</c>).</summary>
    public const int MaxLimit = 1000;
}

/// <summary>The list routes called with a page's filter.</summary>
public static class FilteredLists
{
    public static Task<Metrics.RunPage> ListRunsAsync(this Metrics.MetricsClient metrics, RunFilter filter, int limit, string? cursor,
        CancellationToken cancellationToken) =>
        metrics.ListRunsAsync(filter.Connector, Known<Metrics.Status>(filter.Status, "status"), Known<Metrics.Source>(filter.Source, "source"),
            filter.From is { } from ? new Metrics.From { At = from } : null, filter.To is { } to ? new Metrics.To { At = to } : null,
            limit, cursor, filter.Owner, filter.Tag, filter.Parent, Known<Metrics.Origin>(filter.Origin, "origin"), cancellationToken);

    /// <summary>A page of the status board, worst first.</summary>
    public static Task<Metrics.StatusBoard> StatusBoardAsync(this Metrics.MetricsClient metrics, BoardFilter filter, int limit, string? cursor,
        CancellationToken cancellationToken) =>
        metrics.ConnectorStatusBoardAsync(filter.Owner, filter.Tag, filter.Search, filter.Connector, filter.State, limit, cursor, cancellationToken);

    /// <summary>
    /// Names to suggest in a connector field: those of the first page of the status board at its largest, worst first
    /// (the ones most likely looked for), in name order. A fleet larger than a page is not listed whole; any name may
    /// still be typed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SuggestedConnectorsAsync(this Metrics.MetricsClient metrics, CancellationToken cancellationToken) =>
        [.. (await metrics.StatusBoardAsync(new BoardFilter(), BoardFilter.MaxLimit, null, cancellationToken)).Items
            .Select(s => s.Connector).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The daily KPIs of the given connectors from <paramref name="from"/> to today, newest day first: asked for in as
    /// few requests as the URL length limit and the API's 200 names a request allow.
    /// </summary>
    public static async Task<Metrics.DailyKpiReport> DailyKpisOfAsync(this Metrics.MetricsClient metrics, IReadOnlyCollection<string> connectors,
        DateOnly from, CancellationToken cancellationToken)
    {
        if (connectors.Count == 0)
        {
            return new Metrics.DailyKpiReport { From = from, To = DateOnly.FromDateTime(DateTime.UtcNow), Items = [] };
        }
        var reports = await Task.WhenAll(InBatches(connectors).Select(batch => metrics.DailyKpisAsync(string.Join(",", batch), from, null, cancellationToken)));
        return new Metrics.DailyKpiReport
        {
            From = reports[0].From,
            To = reports[0].To,
            Items = [.. reports.SelectMany(r => r.Items).OrderByDescending(d => d.Day).ThenBy(d => d.Connector, StringComparer.Ordinal)],
        };
    }

    // Names per request: the Metrics service's most (KpisApi.MaxDailyConnectors), and a query well inside the 8 KiB
    // every service and the gateway accept (RequestLimits:MaxUrlBytes), each comma sent as %2C.
    private const int MaxNamesPerRequest = 200;
    private const int MaxNameBytesPerRequest = 6 * 1024;

    internal static IEnumerable<IReadOnlyList<string>> InBatches(IEnumerable<string> connectors)
    {
        var batch = new List<string>();
        var bytes = 0;
        foreach (var name in connectors.Distinct(StringComparer.Ordinal))
        {
            var size = Uri.EscapeDataString(name).Length + 3;
            if (batch.Count > 0 && (batch.Count == MaxNamesPerRequest || bytes + size > MaxNameBytesPerRequest))
            {
                yield return batch;
                (batch, bytes) = ([], 0);
            }
            batch.Add(name);
            bytes += size;
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    public static Task<Runner.ConnectorPage> ListConnectorsAsync(this Runner.RunnerClient runner, ConnectorFilter filter, int limit, string? cursor,
        CancellationToken cancellationToken) =>
        runner.ListConnectorsAsync(filter.Search, filter.Owner, filter.Tag, filter.State, limit, cursor, cancellationToken);

    public static Task<Alerting.AlertPage> ListAlertsAsync(this Alerting.AlertingClient alerting, AlertFilter filter, int limit, string? cursor,
        CancellationToken cancellationToken) =>
        alerting.ListAlertsAsync(WireNames.Parse<Alerting.State>(filter.State), filter.Connector, filter.Rule,
            WireNames.Parse<Alerting.Severity2>(filter.Severity), limit, cursor, filter.Owner, filter.Tag,
            WireNames.Parse<Alerting.Feedback>(filter.Feedback), cancellationToken);

    // A filter from the address bar that the service has no name for is refused as the service would refuse it,
    // not dropped: a page that quietly shows everything would claim a filter it did not apply.
    private static TEnum? Known<TEnum>(string? name, string parameter) where TEnum : struct, Enum
    {
        if (name is null)
        {
            return null;
        }
        var problem = JsonSerializer.Serialize(new { title = $"Unknown {parameter}. Use one of: {string.Join(", ", WireNames.All<TEnum>())}." });
        return WireNames.Parse<TEnum>(name)
            ?? throw new ApiException($"Unknown {parameter}", StatusCodes.Status400BadRequest, problem, new Dictionary<string, IEnumerable<string>>(), null);
    }
}
