using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Contracts;
using ConnectorHealth.Metrics.Responses;
using ConnectorHealth.Metrics.Stores;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Metrics.Apis;

// Volumes of the datasets OpenLineage runs write: rows per dataset per run and per day, rows per writing job per day.
public static class DatasetKpisApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapDatasetKpisApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/kpis").WithTags("KPIs");
        api.MapGet("/datasets", ListDatasets).WithName("DatasetVolumes")
            .WithSummary("The datasets runs wrote, by key: each with its last run's rows, its rows today and yesterday, and its last writer job")
            .WithDescription("A run's rows count on the UTC day it finished. A dataset's last run is its latest write by finish time. "
                + $"limit 1–{MaxLimit} (default {DefaultLimit}); cursor from the previous page.");
        api.MapGet("/datasets/{key}/daily", DatasetDaily).WithName("DatasetDailyVolumes")
            .WithSummary("One dataset's writes per UTC day: runs, rows, rows per run (min, mean, max), bytes and writer jobs")
            .WithDescription($"key: the dataset's key (namespace~name as LineageNames derives it). from and to are UTC days (yyyy-MM-dd), inclusive; "
                + $"default the last {KpisApi.DefaultDays} days, at most {KpisApi.MaxDays}. Newest day first; days without writes are left out.");
        api.MapGet("/jobs/{connector}/rows", JobRows).WithName("JobRowsWritten")
            .WithSummary("The rows a job (connector) wrote per UTC day over all its output datasets")
            .WithDescription($"from and to are UTC days (yyyy-MM-dd), inclusive; default the last {KpisApi.DefaultDays} days, at most {KpisApi.MaxDays}. Newest day first.");
        return app;
    }

    public static async Task<Results<Ok<DatasetList>, ValidationProblem>> ListDatasets(
        DatasetStore store,
        TimeProvider time,
        CancellationToken cancellationToken,
        [ParsedAs(typeof(int)), Range(1, MaxLimit)] string? limit = null,
        [StringLength(Paging.CursorMaxLength, MinimumLength = 1)] string? cursor = null)
    {
        var query = new QueryParameters();
        var pageSize = query.Int("limit", limit, 1, MaxLimit) ?? DefaultLimit;
        var after = query.After(cursor);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var skip = after is null ? 0 : (int)Math.Clamp(after.NumberId, 0, int.MaxValue);
        var datasets = await store.ListAsync(today, skip, pageSize + 1, cancellationToken);
        var next = datasets.Count > pageSize ? PageCursor.ForNumber(DateTimeOffset.UnixEpoch, skip + pageSize).Encode() : null;
        return TypedResults.Ok(new DatasetList(today, [.. datasets.Take(pageSize)], next));
    }

    public static async Task<Results<Ok<DatasetDailyReport>, NotFound, ValidationProblem>> DatasetDaily(
        string key,
        DatasetStore store,
        TimeProvider time,
        CancellationToken cancellationToken,
        [ParsedAs(typeof(DateOnly))] string? from = null,
        [ParsedAs(typeof(DateOnly))] string? to = null)
    {
        var query = new QueryParameters();
        if (!LineageNames.IsDatasetKey(key))
        {
            query.Fail("key", "key must be a dataset key (namespace~name).");
        }
        var (start, end) = query.DayRange(from, to, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), KpisApi.DefaultDays, KpisApi.MaxDays);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        if (!await store.ExistsAsync(key, cancellationToken))
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(new DatasetDailyReport(key, start, end, await store.DailyAsync(key, start, end, cancellationToken)));
    }

    public static async Task<Results<Ok<JobRowsReport>, ValidationProblem>> JobRows(
        string connector,
        DatasetStore store,
        TimeProvider time,
        CancellationToken cancellationToken,
        [ParsedAs(typeof(DateOnly))] string? from = null,
        [ParsedAs(typeof(DateOnly))] string? to = null)
    {
        var query = new QueryParameters();
        var name = query.Connector("connector", connector);
        var (start, end) = query.DayRange(from, to, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), KpisApi.DefaultDays, KpisApi.MaxDays);
        if (query.HasErrors || name is null)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return TypedResults.Ok(new JobRowsReport(name, start, end, await store.JobDailyAsync(name, start, end, cancellationToken)));
    }
}
