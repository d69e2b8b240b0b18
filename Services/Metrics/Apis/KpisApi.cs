using ConnectorHealth.Contracts;
using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Metrics.KpiReports;
using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Status;
using ConnectorHealth.Metrics.Stores;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Metrics.Apis;

public static class KpisApi
{
    public const int DefaultDays = 30;
    public const int MaxDays = 366;
    public const int DefaultReasons = 100;
    public const int MaxReasons = 1000;
    public const int DefaultBoardLimit = 100;
    public const int MaxBoardLimit = 1000;
    public const int MaxSearchLength = 100;

    // The most connectors /api/kpis/daily takes at once: a page of the overview's tiles fits in a few requests.
    public const int MaxDailyConnectors = 200;

    public static IEndpointRouteBuilder MapKpisApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/kpis").WithTags("KPIs");
        api.MapGet("/daily", Daily).WithName("DailyKpis")
            .WithSummary("Per connector per UTC day: runs, aborted runs, success rate, p50/p95/p99 and mean latency, mean attempts, rate-limited rate, lateness")
            .WithDescription($"A run counts on the UTC day it ended (finishedAt), as in mart.connector_health_daily. "
                + "runs counts aborted runs too (aborted: neither succeeded nor failed); successRate is the share of all runs that succeeded. "
                + "meanLatenessMs and maxLatenessMs: finishedAt minus the nominal end (or start) time, over the runs that had one; null when none had. "
                + $"connector: one connector's name, or up to {MaxDailyConnectors} separated by commas (a name has none); every connector when left out. "
                + $"from and to are UTC days (yyyy-MM-dd), inclusive; default the last {DefaultDays} days, at most {MaxDays}. "
                + "Newest day first. Percentiles come from log-scale histograms: within 4.4 % of the exact value.");
        api.MapGet("/daily/totals", DailyTotals).WithName("DailyKpiTotals")
            .WithSummary("Per UTC day over all connectors: connectors that ran, runs, succeeded, aborted and success rate, rate-limited rate, mean attempts")
            .WithDescription($"A run counts on the UTC day it ended (finishedAt). from and to are UTC days (yyyy-MM-dd), inclusive; default the last {DefaultDays} days, at most {MaxDays}. "
                + "Newest day first; days without runs are left out.");
        api.MapGet("/failure-reasons", FailureReasons).WithName("FailureReasons")
            .WithSummary("Failed runs by connector and error type over a range of UTC days, most frequent first")
            .WithDescription($"A failure counts on the UTC day its run ended (finishedAt). "
                + $"from and to are UTC days (yyyy-MM-dd), inclusive; default the last {DefaultDays} days. "
                + $"limit 1–{MaxReasons} (default {DefaultReasons}).");
        api.MapGet("/connectors", GetStatusBoard).WithName("ConnectorStatusBoard")
            .WithSummary("The status board: per connector its state (failing, stale, degraded, healthy) and why, worst first, a page at a time")
            .WithDescription("Ordered by state, worst first, then by name. Filters: owner and tag (the connector's, as its latest run that stated them said), "
                + $"search (part of the name, any case), connector (one name exactly) and state ({string.Join(", ", StatusLevels.Names)}). "
                + $"limit 1–{MaxBoardLimit} (default {DefaultBoardLimit}); cursor from the previous page (null on the last), previousCursor "
                + "that of the page before (null on the first). "
                + "total counts the connectors that match every filter; counts, per state, those that match every filter but state.");
        return app;
    }

    public static async Task<Results<DailyKpiReportJson, ValidationProblem>> Daily(
        DailyKpiReports reports,
        TimeProvider time,
        CancellationToken cancellationToken,
        [StringLength(MaxDailyConnectors * (RunDefinition.MaxConnectorLength + 1) - 1, MinimumLength = 1)] string? connector = null,
        [ParsedAs(typeof(DateOnly))] string? from = null,
        [ParsedAs(typeof(DateOnly))] string? to = null)
    {
        var query = new QueryParameters();
        var connectors = query.Connectors("connector", connector, MaxDailyConnectors);
        var today = Today(time);
        var (start, end) = query.DayRange(from, to, today, DefaultDays, MaxDays);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        return await reports.GetAsync(connectors, start, end, time.GetUtcNow(), cancellationToken);
    }

    public static async Task<Results<Ok<DailyKpiTotalsReport>, ValidationProblem>> DailyTotals(
        DailyKpiTotalReports reports,
        TimeProvider time,
        CancellationToken cancellationToken,
        [ParsedAs(typeof(DateOnly))] string? from = null,
        [ParsedAs(typeof(DateOnly))] string? to = null)
    {
        var query = new QueryParameters();
        var today = Today(time);
        var (start, end) = query.DayRange(from, to, today, DefaultDays, MaxDays);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        return TypedResults.Ok(await reports.GetAsync(start, end, time.GetUtcNow(), cancellationToken));
    }

    public static async Task<Results<Ok<FailureReasonReport>, ValidationProblem>> FailureReasons(
        FailureReasonReports reports,
        TimeProvider time,
        CancellationToken cancellationToken,
        [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? connector = null,
        [ParsedAs(typeof(DateOnly))] string? from = null,
        [ParsedAs(typeof(DateOnly))] string? to = null,
        [ParsedAs(typeof(int)), Range(1, MaxReasons)] string? limit = null)
    {
        var query = new QueryParameters();
        connector = query.Connector("connector", connector);
        var today = Today(time);
        var (start, end) = query.DayRange(from, to, today, DefaultDays, MaxDays);
        var top = query.Int("limit", limit, 1, MaxReasons) ?? DefaultReasons;
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        return TypedResults.Ok(await reports.GetAsync(connector, start, end, time.GetUtcNow(), top, cancellationToken));
    }

    public static async Task<Results<Ok<StatusBoard>, ValidationProblem>> GetStatusBoard(
        KpiStore store, StatusRules rules, TimeProvider time, CancellationToken cancellationToken,
        [StringLength(RunDefinition.MaxOwnerLength, MinimumLength = 1)] string? owner = null,
        [StringLength(64, MinimumLength = 1)] string? tag = null,
        [StringLength(MaxSearchLength, MinimumLength = 1)] string? search = null,
        [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? connector = null,
        string? state = null,
        [ParsedAs(typeof(int)), Range(1, MaxBoardLimit)] string? limit = null,
        [StringLength(Paging.CursorMaxLength, MinimumLength = 1)] string? cursor = null)
    {
        var query = new QueryParameters();
        var labels = query.Labels(owner, tag);
        search = query.Text("search", search, MaxSearchLength);
        connector = query.Connector("connector", connector);
        var level = state is null ? null : StatusLevels.Parse(state);
        if (state is not null && level is null)
        {
            query.Fail("state", $"state must be one of {string.Join(", ", StatusLevels.Names)}.");
        }
        var pageSize = query.Int("limit", limit, 1, MaxBoardLimit) ?? DefaultBoardLimit;
        var after = query.After(cursor);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        var asOf = time.GetUtcNow();
        var facts = await store.ConnectorFactsAsync(asOf, new StatusBoardFilter(labels.Owner, labels.Tag, search, connector), cancellationToken);
        // The cursor is the number of connectors before the page, as in the runner's connector list: the board is
        // ordered by state and name, not by time.
        var skip = after is null ? 0 : (int)Math.Clamp(after.NumberId, 0, int.MaxValue);
        var page = rules.Page(facts, asOf, level, skip, pageSize);
        var latencies = await store.P95LatencyAsync(asOf, [.. page.Items.Select(x => x.Facts.Connector)], cancellationToken);
        var items = page.Items
            .Select(x => StatusRules.Line(x.Facts with { P95LatencyMs24h = latencies.TryGetValue(x.Facts.Connector, out var p95) ? p95 : null }, x.Verdict))
            .ToList();
        return TypedResults.Ok(new StatusBoard(asOf, items, page.Total, Cursor(page.NextSkip), Cursor(page.PreviousSkip), page.Counts));
    }

    private static string? Cursor(int? skip) => skip is { } number ? PageCursor.ForNumber(DateTimeOffset.UnixEpoch, number).Encode() : null;

    private static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
