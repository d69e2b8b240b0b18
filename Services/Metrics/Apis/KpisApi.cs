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

    public static IEndpointRouteBuilder MapKpisApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/kpis").WithTags("KPIs");
        api.MapGet("/daily", Daily).WithName("DailyKpis")
            .WithSummary("Per connector per UTC day: runs, success rate, p50/p95/p99 and mean latency, mean attempts, rate-limited rate")
            .WithDescription($"A run counts on the UTC day it ended (finishedAt), as in mart.connector_health_daily. "
                + $"from and to are UTC days (yyyy-MM-dd), inclusive; default the last {DefaultDays} days, at most {MaxDays}. "
                + "Newest day first. Percentiles come from log-scale histograms: within 4.4 % of the exact value.");
        api.MapGet("/daily/totals", DailyTotals).WithName("DailyKpiTotals")
            .WithSummary("Per UTC day over all connectors: connectors that ran, runs, succeeded and success rate, rate-limited rate, mean attempts")
            .WithDescription($"A run counts on the UTC day it ended (finishedAt). from and to are UTC days (yyyy-MM-dd), inclusive; default the last {DefaultDays} days, at most {MaxDays}. "
                + "Newest day first; days without runs are left out.");
        api.MapGet("/failure-reasons", FailureReasons).WithName("FailureReasons")
            .WithSummary("Failed runs by connector and error type over a range of UTC days, most frequent first")
            .WithDescription($"A failure counts on the UTC day its run ended (finishedAt). "
                + $"from and to are UTC days (yyyy-MM-dd), inclusive; default the last {DefaultDays} days. "
                + $"limit 1–{MaxReasons} (default {DefaultReasons}).");
        api.MapGet("/connectors", GetStatusBoard).WithName("ConnectorStatusBoard")
            .WithSummary("The status board: per connector its state (failing, stale, degraded, healthy) and why, worst first")
            .WithDescription("Filters: owner and tag (the connector's, as its latest run that stated them said).");
        return app;
    }

    public static async Task<Results<DailyKpiReportJson, ValidationProblem>> Daily(
        DailyKpiReports reports,
        TimeProvider time,
        CancellationToken cancellationToken,
        [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? connector = null,
        [ParsedAs(typeof(DateOnly))] string? from = null,
        [ParsedAs(typeof(DateOnly))] string? to = null)
    {
        var query = new QueryParameters();
        connector = query.Connector("connector", connector);
        var today = Today(time);
        var (start, end) = query.DayRange(from, to, today, DefaultDays, MaxDays);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }

        return await reports.GetAsync(connector, start, end, time.GetUtcNow(), cancellationToken);
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
        [StringLength(64, MinimumLength = 1)] string? tag = null)
    {
        var query = new QueryParameters();
        var labels = query.Labels(owner, tag);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        var asOf = time.GetUtcNow();
        var facts = (await store.ConnectorFactsAsync(asOf, cancellationToken))
            .Where(f => (labels.Owner is null || f.Owner == labels.Owner) && (labels.Tag is null || (f.Tags ?? []).Contains(labels.Tag)));
        return TypedResults.Ok(new StatusBoard(asOf, rules.Board(facts, asOf)));
    }

    private static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
}
